/**
 * Getting a GPUDevice in a page, a worker or Node (npm `webgpu`, Dawn).
 *
 * We request the limits we rely on explicitly: `requestDevice()` without them gives the spec
 * defaults (8 storage buffers per stage, 128 MiB bindings), which is less than our kernels use.
 * Our kernels are written to fit in 10 storage buffers per stage, the strictest adapter seen
 * (Chromium's SwiftShader).
 */

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterSummary;
  /**
   * Tests only: destroys the device as a driver reset would, so `onLost` fires (our own destroy()
   * does not report a loss). The e2e device-loss test reaches it through a test-only worker message.
   */
  simulateLoss?: () => void;
}

/** The storage buffers per shader stage that every kernel of ours stays within. */
export const STORAGE_BUFFERS_PER_STAGE = 10;

export class WebGPUUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `WebGPU is not available: ${reason}. Use Chrome or Edge 113+, Safari 26 or Firefox 141+ ` +
        `(on Linux start Chrome with --enable-unsafe-webgpu), on a page served over https or from localhost.`,
    );
    this.name = 'WebGPUUnavailableError';
  }
}

export interface DeviceOptions {
  /** Called once if the device is lost for any reason other than our own destroy(). */
  onLost?: (reason: string, message: string) => void;
  /** A GPU object to use instead of `navigator.gpu` (Node passes Dawn's). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

function summarise(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
}

/** Requests an adapter and a device with the limits our kernels need. Throws WebGPUUnavailableError. */
export async function createGpuContext(options: DeviceOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
  if (!gpu) throw new WebGPUUnavailableError('navigator.gpu is missing in this browser');
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGPUUnavailableError('no GPU adapter was found');
  const lim = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBuffersPerShaderStage: Math.min(lim.maxStorageBuffersPerShaderStage, 16),
    maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
    maxBufferSize: lim.maxBufferSize,
    maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: Math.min(lim.maxComputeInvocationsPerWorkgroup, 256),
    maxComputeWorkgroupSizeX: Math.min(lim.maxComputeWorkgroupSizeX, 256),
    maxComputeWorkgroupSizeY: Math.min(lim.maxComputeWorkgroupSizeY, 256),
  };
  if (requiredLimits.maxStorageBuffersPerShaderStage < STORAGE_BUFFERS_PER_STAGE) {
    throw new WebGPUUnavailableError(
      `the adapter allows only ${requiredLimits.maxStorageBuffersPerShaderStage} storage buffers per shader stage, we need ${STORAGE_BUFFERS_PER_STAGE}`,
    );
  }
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  let destroyedByUs = false;
  const originalDestroy = device.destroy.bind(device);
  device.destroy = () => {
    destroyedByUs = true;
    originalDestroy();
  };
  device.lost.then((lost) => {
    if (!destroyedByUs) options.onLost?.(lost.reason ?? 'unknown', lost.message);
  });
  device.addEventListener?.('uncapturederror', (event) => {
    const e = event as GPUUncapturedErrorEvent;
    console.error(`[webgpu] ${e.error.message}`);
  });
  return { device, adapter, info: summarise(adapter), simulateLoss: () => originalDestroy() };
}

/** Node: Dawn through the npm package `webgpu`. Kept in its own function so bundles never import it. */
export async function createNodeGpuContext(options: Omit<DeviceOptions, 'gpu'> = {}): Promise<GpuContext> {
  const moduleName = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ moduleName)) as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  return createGpuContext({ ...options, gpu });
}

/** A software (CPU) adapter: Mesa's lavapipe/llvmpipe, SwiftShader, or any fallback adapter. */
export function isCpuAdapter(info: AdapterSummary): boolean {
  return info.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

export function describeAdapter(info: AdapterSummary): string {
  const parts = [info.vendor, info.architecture, info.description].filter(Boolean);
  return `${parts.join(' / ') || 'unknown adapter'}${info.isFallbackAdapter ? ' (CPU fallback)' : ''}`;
}
