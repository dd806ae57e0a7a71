/**
 * Engine: one GPUDevice, a buffer pool, cached pipelines, the current command encoder and the
 * autograd tape. Ops encode their kernels with `dispatch`; nothing is submitted until `submit`,
 * `read` or `endStep`, so a whole training step (forward, backward, Adam) is one command buffer.
 */
import { makeShaderDataDefinitions, makeStructuredView, type ShaderDataDefinitions, type StructuredView } from 'webgpu-utils';
import { isCpuAdapter, type GpuContext } from './device';
import { Tape } from './tape';
import { Tensor, sizeOf, shapeString, type DType } from './tensor';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** Persistent tensors survive `endStep()`; transient ones return to the pool there. */
  persistent?: boolean;
  name?: string;
}

export type Binding = Tensor | GPUBuffer;

export interface DispatchSpec {
  /** Op name, used in error messages. */
  op: string;
  code: string;
  entryPoint: string;
  /** Values for the `params` uniform struct, if the entry point uses one. */
  params?: Record<string, number | number[]>;
  /** Storage buffers by their WGSL variable name. */
  bindings: Record<string, Binding>;
  workgroups: readonly [number, number?, number?];
}

interface ShaderInfo {
  module: GPUShaderModule;
  defs: ShaderDataDefinitions;
  paramsView?: StructuredView;
  pipelines: Map<string, GPUComputePipeline>;
}


/** Largest workgroup count per grid dimension that every adapter allows. */
export const MAX_GROUPS_PER_DIM = 65535;

/**
 * A 1-D grid of `n` invocations in workgroups of `wg`, folded into y when it exceeds 65535 groups.
 * Kernels recover the linear index as `gid.x + gid.y * nwg.x * WG` (see `linear_index` in WGSL).
 */
export function grid1d(n: number, wg = 256): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / wg));
  if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1, 1];
  return [MAX_GROUPS_PER_DIM, Math.ceil(groups / MAX_GROUPS_PER_DIM), 1];
}

export class Engine {
  readonly device: GPUDevice;
  readonly tape = new Tape();
  private shaders = new Map<string, ShaderInfo>();
  private pool = new Map<number, GPUBuffer[]>();
  private uniformPool = new Map<number, GPUBuffer[]>();
  private transients = new Set<Tensor>();
  private usedUniforms: GPUBuffer[] = [];
  /** Completion of the steps submitted by `endStepAsync`, oldest first. */
  private inFlight: Promise<undefined>[] = [];
  private encoderInFlight: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Count of kernel dispatches since creation (for benchmarks and tests). */
  dispatchCount = 0;
  /** Bytes of every storage and uniform buffer the pools have created (they are never freed, only reused). */
  private pooledBytes = 0;
  private uniformBytes = 0;
  /** Set by `startProfile()`; null (one branch per dispatch, nothing else) otherwise. */
  private profiler: Profiler | null = null;
  /** Set by `beginBindingReuse()`; null (one branch per dispatch) otherwise. */
  private reuse: BindingReuse | null = null;
  /** Small ids of pipelines and buffers for the reuse keys (weak: no buffer is kept alive by them). */
  private ids = new WeakMap<object, number>();
  private nextId = 1;

  /**
   * Encode a linear layer's backward as one dispatch (kernels/ops/linear.ts) instead of separate
   * GEMMs with split-K and column sums. Right for CPU adapters (lavapipe, SwiftShader), where the
   * cost is per dispatch rather than per idle lane; on GPUs split-K keeps the long reductions
   * parallel. Fixed per engine, so every run on one adapter sums in the same order.
   */
  fusedLinearBackward: boolean;
  /** Let GEMMs whose operands are contiguous along k read them as vec4 (kernels/ops/bmm.wgsl). */
  vec4Gemm = true;

  constructor(readonly ctx: GpuContext) {
    this.device = ctx.device;
    this.fusedLinearBackward = isCpuAdapter(ctx.info);
  }

  // ---------------------------------------------------------------- tensors

  private acquire(bytes: number): GPUBuffer {
    const size = bucketSize(bytes);
    const free = this.pool.get(size);
    const reused = free?.pop();
    if (reused) return reused;
    this.pooledBytes += size;
    return this.device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** Returns a buffer to the pool (Arena.pack, after copying a tensor out of it). */
  releaseBuffer(buffer: GPUBuffer): void {
    this.release(buffer);
  }

  private release(buffer: GPUBuffer): void {
    const list = this.pool.get(buffer.size) ?? [];
    list.push(buffer);
    this.pool.set(buffer.size, list);
  }

  /**
   * What the buffer pools hold: bytes of storage buffers created so far (in use or free), of those
   * the free ones, and uniform-buffer bytes. A leak shows as `storageBytes` growing step after step.
   */
  poolStats(): { storageBytes: number; freeStorageBytes: number; uniformBytes: number } {
    let free = 0;
    for (const [size, list] of this.pool) free += size * list.length;
    return { storageBytes: this.pooledBytes, freeStorageBytes: free, uniformBytes: this.uniformBytes };
  }

  /** A tensor with undefined contents. */
  empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`empty: invalid shape ${shapeString(shape)}`);
    }
    const t = new Tensor(
      this,
      this.acquire(sizeOf(shape) * 4),
      [...shape],
      options.dtype ?? 'f32',
      options.requiresGrad ?? false,
      options.persistent ?? false,
      boundedName(options.name ?? ''),
    );
    if (!t.persistent) this.transients.add(t);
    return t;
  }

  zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    const t = this.empty(shape, options);
    this.fill(t, 0);
    return t;
  }

  /** Sets every element of `t` to zero (encoded, in order with the kernels). */
  fill(t: Tensor, value: 0): void {
    void value;
    this.endPass();
    if (this.profiler) this.profiler.clears++;
    this.encoder.clearBuffer(t.buffer, t.offset, t.span || t.buffer.size);
  }

  fromArray(data: ArrayLike<number>, shape: readonly number[], options: TensorOptions = {}): Tensor {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`fromArray${options.name ? ` (${options.name})` : ''}: ${data.length} values do not fill shape ${shapeString(shape)} (${n} elements)`);
    }
    const dtype = options.dtype ?? 'f32';
    const t = this.empty(shape, options);
    const typed = dtype === 'f32' ? Float32Array.from(data) : dtype === 'u32' ? Uint32Array.from(data) : Int32Array.from(data);
    this.write(t, typed);
    return t;
  }

  /**
   * Writes host data into a tensor. The write is ordered before any later submit, so it must not
   * overwrite data that kernels already encoded (and not yet submitted) still need to read.
   */
  write(t: Tensor, data: Float32Array | Uint32Array | Int32Array): void {
    if (data.length !== t.size) throw new Error(`write: ${data.length} values for ${t}`);
    if (data.byteLength > 0) this.device.queue.writeBuffer(t.buffer, t.offset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Keeps a transient tensor alive past `endStep()`; dispose it yourself. */
  keep(t: Tensor): Tensor {
    if (this.transients.delete(t)) t.persistent = true;
    return t;
  }

  dispose(t: Tensor): void {
    this.transients.delete(t);
    // An arena view does not own its buffer: the arena frees it with its last tensor.
    if (t.span !== 0) t.arena?.arena.drop(t);
    else this.release(t.buffer);
    if (t.grad) this.dispose(t.grad);
    t.grad = null;
  }

  /**
   * A view of the same buffer with another shape (no copy). It shares the lifetime of `t`, and its
   * gradient is a view of `t`'s gradient.
   */
  reshape(t: Tensor, shape: readonly number[]): Tensor {
    if (sizeOf(shape) !== t.size) throw new Error(`reshape: cannot view ${shapeString(t.shape)} as ${shapeString(shape)}`);
    const base = t.base ?? t;
    return samePlace(new Tensor(this, t.buffer, [...shape], t.dtype, t.requiresGrad, true, t.name, base), t);
  }

  /** The gradient of `t`, allocated as zeros on first use (views share their base's gradient). */
  gradOf(t: Tensor): Tensor {
    if (t.base) {
      const g = this.gradOf(t.base);
      return samePlace(new Tensor(this, g.buffer, [...t.shape], 'f32', false, true, `${t.name}.grad`), g);
    }
    if (!t.grad) {
      // A tensor packed into an arena with gradients gets its view of the gradient buffer.
      const slot = t.arena;
      t.grad = slot && slot.arena.grads && t.buffer === slot.arena.values.buffer
        ? slot.arena.takeGrad(slot)
        : this.zeros(t.shape, { persistent: t.persistent, name: `${t.name}.grad` });
    }
    return t.grad;
  }

  /**
   * The gradient of `t` for a backward kernel that writes *every* element of it, with whether that
   * kernel must accumulate. The first contribution to a gradient that does not exist yet gets a
   * fresh, uninitialised buffer and `accumulate: false`: the kernel overwrites it, and no clear is
   * needed (most gradients have a single contribution). Later ones get `accumulate: true`. A kernel
   * that writes only part of the gradient must use `gradOf` (zero-filled) instead.
   */
  gradInto(t: Tensor): { grad: Tensor; accumulate: boolean } {
    if (t.base) {
      const { grad, accumulate } = this.gradInto(t.base);
      return { grad: samePlace(new Tensor(this, grad.buffer, [...t.shape], 'f32', false, true, `${t.name}.grad`), grad), accumulate };
    }
    if (t.grad || t.arena) return { grad: this.gradOf(t), accumulate: true };
    t.grad = this.empty(t.shape, { persistent: t.persistent, name: `${t.name}.grad` });
    return { grad: t.grad, accumulate: false };
  }

  copy(src: Tensor, dst: Tensor): void {
    if (src.size !== dst.size) throw new Error(`copy: ${src} and ${dst} differ in size`);
    this.endPass();
    if (this.profiler) this.profiler.copies++;
    if (src.byteLength > 0) this.encoder.copyBufferToBuffer(src.buffer, src.offset, dst.buffer, dst.offset, src.byteLength);
  }

  /** Encodes a raw byte copy between buffers (Arena.pack). */
  copyBytes(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    if (this.profiler) this.profiler.copies++;
    if (bytes > 0) this.encoder.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  // ---------------------------------------------------------------- autograd

  /** Back-propagates from `loss` (a scalar unless `seed` is given) through the recorded ops. */
  backward(loss: Tensor, seed?: Tensor): void {
    if (seed) {
      if (seed.size !== loss.size) throw new Error(`backward: seed ${seed} does not match ${loss}`);
      loss.grad = seed;
    } else {
      if (loss.size !== 1) throw new Error(`backward: ${loss} is not a scalar; pass a seed gradient`);
      loss.grad = this.fromArray([1], loss.shape, { name: `${loss.name}.grad` });
    }
    this.tape.runBackward();
  }

  noGrad<T>(fn: () => T): T {
    return this.tape.noGrad(fn);
  }

  /** True when an op with these inputs must record its backward. */
  needsGrad(...inputs: (Tensor | undefined | null)[]): boolean {
    return this.tape.recording && inputs.some((t) => t?.requiresGrad);
  }

  // ---------------------------------------------------------------- kernels

  get encoder(): GPUCommandEncoder {
    if (!this.encoderInFlight) this.encoderInFlight = this.device.createCommandEncoder();
    return this.encoderInFlight;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private shader(code: string): ShaderInfo {
    let info = this.shaders.get(code);
    if (!info) {
      const defs = makeShaderDataDefinitions(code);
      const paramsDef = defs.uniforms.params;
      info = {
        module: this.device.createShaderModule({ code }),
        defs,
        paramsView: paramsDef ? makeStructuredView(paramsDef) : undefined,
        pipelines: new Map(),
      };
      this.shaders.set(code, info);
    }
    return info;
  }

  pipeline(code: string, entryPoint: string): GPUComputePipeline {
    const info = this.shader(code);
    let p = info.pipelines.get(entryPoint);
    if (!p) {
      if (!info.defs.entryPoints[entryPoint]) throw new Error(`no entry point ${entryPoint} in shader`);
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module: info.module, entryPoint } });
      info.pipelines.set(entryPoint, p);
    }
    return p;
  }

  // ------------------------------------------------------------ binding reuse (opt-in, sampling)

  /**
   * Starts reusing uniform buffers by content and bind groups by their exact resources, until
   * `endBindingReuse`. On CPU adapters creating a bind group costs ~0.1 ms of host time, more than
   * the small kernels it binds take to run; a sampler runs the same dispatches with the same
   * pooled buffers step after step, so after the first steps almost every bind group is a reuse.
   * A reused uniform buffer is never written again (its content is its key), so nothing in flight
   * can see it change. Calls nest; the caches are dropped when the outermost ends.
   */
  beginBindingReuse(): void {
    this.reuse ??= { depth: 0, uniforms: new Map(), bindGroups: new Map() };
    this.reuse.depth++;
  }

  /** Ends a `beginBindingReuse`; the outermost hands the cached uniform buffers back (pooled again at the next endStep). */
  endBindingReuse(): void {
    const r = this.reuse;
    if (!r) throw new Error('endBindingReuse: no beginBindingReuse');
    if (--r.depth > 0) return;
    this.reuse = null;
    // Back to the pool at the next endStep, as any used uniform: work encoded but not yet
    // submitted may still read them, and a writeBuffer now would land before that submit.
    for (const u of r.uniforms.values()) this.usedUniforms.push(u);
  }

  /** Whether binding reuse is on, and how many uniform buffers and bind groups it holds (tests). */
  bindingReuseStats(): { active: boolean; uniforms: number; bindGroups: number } {
    return { active: this.reuse !== null, uniforms: this.reuse?.uniforms.size ?? 0, bindGroups: this.reuse?.bindGroups.size ?? 0 };
  }

  private objectId(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  private reusedUniform(r: BindingReuse, bytes: ArrayBuffer): GPUBuffer {
    const key = new Uint32Array(bytes).join(',');
    let buf = r.uniforms.get(key);
    if (!buf) {
      const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
      buf = this.uniformPool.get(size)?.pop();
      if (!buf) {
        this.uniformBytes += size;
        buf = this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      }
      this.device.queue.writeBuffer(buf, 0, bytes);
      if (r.uniforms.size >= MAX_REUSED_UNIFORMS) this.dropReusedUniforms(r);
      r.uniforms.set(key, buf);
    }
    return buf;
  }

  /** Bounds the caches (a long run whose uniforms never repeat): the buffers go back to the pool. */
  private dropReusedUniforms(r: BindingReuse): void {
    for (const u of r.uniforms.values()) this.usedUniforms.push(u);
    r.uniforms.clear();
    r.bindGroups.clear();
  }

  private uniform(bytes: ArrayBuffer): GPUBuffer {
    if (this.reuse) return this.reusedUniform(this.reuse, bytes);
    const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
    let buf = this.uniformPool.get(size)?.pop();
    if (!buf) {
      this.uniformBytes += size;
      buf = this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    }
    this.device.queue.writeBuffer(buf, 0, bytes);
    this.usedUniforms.push(buf);
    return buf;
  }

  /** Encodes one compute dispatch. Bindings are matched to WGSL variables by name. */
  dispatch(spec: DispatchSpec): void {
    const [x, y = 1, z = 1] = spec.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const t0 = this.profiler ? performance.now() : 0;
    const info = this.shader(spec.code);
    const pipeline = this.pipeline(spec.code, spec.entryPoint);
    const entries: GPUBindGroupEntry[] = [];
    for (const res of info.defs.entryPoints[spec.entryPoint].resources) {
      if (res.name === 'params') {
        if (!info.paramsView || !spec.params) throw new Error(`${spec.op}: ${spec.entryPoint} needs params`);
        info.paramsView.set(spec.params);
        entries.push({ binding: res.entry.binding, resource: { buffer: this.uniform(info.paramsView.arrayBuffer) } });
        continue;
      }
      const b = spec.bindings[res.name];
      if (!b) throw new Error(`${spec.op}: ${spec.entryPoint} needs a binding named '${res.name}'`);
      const resource: GPUBufferBinding = b instanceof Tensor ? (b.span ? { buffer: b.buffer, offset: b.offset, size: b.span } : { buffer: b.buffer }) : { buffer: b };
      entries.push({ binding: res.entry.binding, resource });
    }
    const bindGroup = this.reuse ? this.reusedBindGroup(this.reuse, pipeline, entries) : this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    if (this.profiler) {
      this.profiledDispatch(this.profiler, `${spec.op} ${spec.entryPoint}`, t0, pipeline, bindGroup, x, y, z);
      return;
    }
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
  }

  private reusedBindGroup(r: BindingReuse, pipeline: GPUComputePipeline, entries: GPUBindGroupEntry[]): GPUBindGroup {
    let key = `${this.objectId(pipeline)}`;
    for (const e of entries) {
      const b = e.resource as GPUBufferBinding;
      key += `|${e.binding}:${this.objectId(b.buffer)}:${b.offset ?? 0}:${b.size ?? -1}`;
    }
    let group = r.bindGroups.get(key);
    if (!group) {
      if (r.bindGroups.size >= MAX_REUSED_BIND_GROUPS) r.bindGroups.clear();
      group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
      r.bindGroups.set(key, group);
    }
    return group;
  }

  // ---------------------------------------------------------------- profiling (benchmarks only)

  /**
   * Starts timing every dispatch on the GPU: each gets its own compute pass with timestamp writes
   * (needs the 'timestamp-query' feature). Passes per dispatch cost a little, so the profiled total
   * is a bit above an unprofiled step; the split by label is what it is for.
   * `timestamps: false` only counts dispatches per label (for adapters without timestamp queries,
   * e.g. SwiftShader in a page); 'auto' times them where the device can.
   */
  startProfile(options: { timestamps?: boolean | 'auto' } = {}): void {
    const want = options.timestamps ?? true;
    const can = this.device.features.has('timestamp-query');
    if (want === true && !can) throw new Error('startProfile: the device lacks the timestamp-query feature');
    this.endPass();
    this.profiler = { sets: [], labels: [], encodeMs: new Map(), clears: 0, copies: 0, timestamps: want === 'auto' ? can : want };
  }

  /** Stops profiling and returns GPU time and count per dispatch label (op and entry point). */
  async stopProfile(): Promise<ProfileReport> {
    const p = this.profiler;
    if (!p) throw new Error('stopProfile: no profile was started');
    this.profiler = null;
    this.endPass();
    const n = p.labels.length;
    if (!p.timestamps) {
      const counts = new Map<string, ProfileRow>();
      for (const label of p.labels) {
        const row = counts.get(label) ?? { label, count: 0, gpuMs: 0, encodeMs: p.encodeMs.get(label) ?? 0 };
        row.count++;
        counts.set(label, row);
      }
      const rows = [...counts.values()].sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
      return { rows, dispatches: n, clears: p.clears, copies: p.copies, gpuMs: 0, timestamps: false };
    }
    const resolve = this.device.createBuffer({ size: Math.max(8, n * 16), usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = this.device.createBuffer({ size: Math.max(8, n * 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    p.sets.forEach((set, k) => {
      const first = k * PROFILE_SET_DISPATCHES;
      const count = Math.min(PROFILE_SET_DISPATCHES, n - first) * 2;
      if (count > 0) this.encoder.resolveQuerySet(set, 0, count, resolve, first * 16);
    });
    if (n > 0) this.encoder.copyBufferToBuffer(resolve, 0, staging, 0, n * 16);
    this.submit();
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    resolve.destroy();
    for (const set of p.sets) set.destroy();
    const byLabel = new Map<string, ProfileRow>();
    for (let i = 0; i < n; i++) {
      const label = p.labels[i];
      const row = byLabel.get(label) ?? { label, count: 0, gpuMs: 0, encodeMs: 0 };
      row.count++;
      row.gpuMs += Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6;
      byLabel.set(label, row);
    }
    for (const [label, ms] of p.encodeMs) {
      const row = byLabel.get(label);
      if (row) row.encodeMs = ms;
    }
    const rows = [...byLabel.values()].sort((a, b) => b.gpuMs - a.gpuMs);
    return { rows, dispatches: n, clears: p.clears, copies: p.copies, gpuMs: rows.reduce((s, r) => s + r.gpuMs, 0), timestamps: true };
  }

  private profiledDispatch(p: Profiler, label: string, t0: number, pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, x: number, y: number, z: number): void {
    if (!p.timestamps) {
      // Count only: the usual shared pass.
      if (!this.pass) this.pass = this.encoder.beginComputePass();
      this.pass.setPipeline(pipeline);
      this.pass.setBindGroup(0, bindGroup);
      this.pass.dispatchWorkgroups(x, y, z);
      p.labels.push(label);
      this.dispatchCount++;
      p.encodeMs.set(label, (p.encodeMs.get(label) ?? 0) + performance.now() - t0);
      return;
    }
    const i = p.labels.length;
    const k = Math.floor(i / PROFILE_SET_DISPATCHES);
    if (k === p.sets.length) p.sets.push(this.device.createQuerySet({ type: 'timestamp', count: PROFILE_SET_DISPATCHES * 2 }));
    const slot = (i % PROFILE_SET_DISPATCHES) * 2;
    this.endPass();
    const pass = this.encoder.beginComputePass({ timestampWrites: { querySet: p.sets[k], beginningOfPassWriteIndex: slot, endOfPassWriteIndex: slot + 1 } });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    pass.end();
    p.labels.push(label);
    this.dispatchCount++;
    p.encodeMs.set(label, (p.encodeMs.get(label) ?? 0) + performance.now() - t0);
  }

  /** Submits what has been encoded so far. */
  submit(): void {
    this.endPass();
    if (this.encoderInFlight) {
      this.device.queue.submit([this.encoderInFlight.finish()]);
      this.encoderInFlight = null;
    }
  }

  /** Submits, then returns transient tensors and uniform buffers to the pools. */
  endStep(): void {
    this.submit();
    this.tape.clear();
    for (const t of this.transients) {
      this.release(t.buffer);
      t.grad = null;
    }
    this.transients.clear();
    for (const u of this.usedUniforms) {
      const list = this.uniformPool.get(u.size) ?? [];
      list.push(u);
      this.uniformPool.set(u.size, list);
    }
    this.usedUniforms = [];
  }

  /**
   * `endStep`, then waits until at most `maxInFlight` submitted steps are still unfinished on the
   * GPU. Training loops must use this (or `sync`) every step: Dawn keeps each submitted step's
   * command buffer, bind groups and upload staging alive until the GPU has run it, and a host that
   * encodes faster than the GPU runs (a CPU adapter: ~0.5 s to encode a step, ~3 s to run it)
   * piles up steps without bound; on lavapipe ~15 queued steps (≈30 MB each) crash Dawn with a
   * segfault. With maxInFlight = 1 the host encodes step k+1 while the GPU runs step k.
   */
  async endStepAsync(maxInFlight = 1): Promise<void> {
    this.endStep();
    this.inFlight.push(this.device.queue.onSubmittedWorkDone());
    while (this.inFlight.length > maxInFlight) await this.inFlight.shift();
  }

  /** Waits for all submitted work. */
  async sync(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }

  /** Reads a tensor back to the host (submits pending work first). */
  async read(t: Tensor): Promise<Float32Array | Uint32Array | Int32Array> {
    const bytes = t.byteLength;
    const staging = this.device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.endPass();
    if (bytes > 0) this.encoder.copyBufferToBuffer(t.buffer, t.offset, staging, 0, bytes);
    this.submit();
    await staging.mapAsync(GPUMapMode.READ);
    const copy = staging.getMappedRange(0, Math.max(4, bytes)).slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return t.dtype === 'f32' ? new Float32Array(copy) : t.dtype === 'u32' ? new Uint32Array(copy) : new Int32Array(copy);
  }

  async readF32(t: Tensor): Promise<Float32Array> {
    if (t.dtype !== 'f32') throw new Error(`readF32: ${t} is ${t.dtype}`);
    return (await this.read(t)) as Float32Array;
  }

  destroy(): void {
    this.device.destroy();
  }
}

interface BindingReuse {
  depth: number;
  /** Uniform buffers by their content (u32 words joined). */
  uniforms: Map<string, GPUBuffer>;
  /** Bind groups by pipeline and every entry's (binding, buffer, offset, size). */
  bindGroups: Map<string, GPUBindGroup>;
}

/** Bounds of the reuse caches: far above a sampler's working set (a few thousand), a guard for runs whose keys never repeat. */
const MAX_REUSED_UNIFORMS = 16384;
const MAX_REUSED_BIND_GROUPS = 16384;

/** Dispatches per timestamp query set (two queries each; 4096 queries is the spec's maximum). */
const PROFILE_SET_DISPATCHES = 2048;

interface Profiler {
  sets: GPUQuerySet[];
  /** Label of each profiled dispatch, in encode order. */
  labels: string[];
  /** Host time spent encoding (bind group, pass, dispatch) per label. */
  encodeMs: Map<string, number>;
  clears: number;
  copies: number;
  /** False: dispatches are counted, not timed. */
  timestamps: boolean;
}

export interface ProfileRow {
  /** `op entryPoint` of the dispatch. */
  label: string;
  count: number;
  /** GPU time between the pass's begin and end timestamps, summed. */
  gpuMs: number;
  /** Host time in `dispatch` (shader lookup, uniform, bind group, pass and dispatch encoding), summed. */
  encodeMs: number;
}

export interface ProfileReport {
  rows: ProfileRow[];
  dispatches: number;
  clears: number;
  copies: number;
  /** Sum of the rows' GPU time (0 without timestamps). */
  gpuMs: number;
  /** Whether the dispatches were timed (timestamp queries) or only counted. */
  timestamps: boolean;
}

/** Gives a new view the buffer placement (offset, span, arena slot) of the tensor it views. */
function samePlace(view: Tensor, of: Tensor): Tensor {
  view.offset = of.offset;
  view.span = of.span;
  view.arena = of.arena;
  return view;
}

/** Longest tensor name kept whole (see boundedName). */
export const MAX_TENSOR_NAME = 160;

/**
 * Ops name their outputs after their inputs (`add(a, b)`), so every binary op doubles the length
 * of a name: the 2D->3D score network's names reached 14 MB, and flattening them (concat joins its
 * parts' names) cost seconds per forward pass. A longer name keeps its start, the outermost ops,
 * which is what error messages need.
 */
function boundedName(name: string): string {
  return name.length <= MAX_TENSOR_NAME ? name : `${name.slice(0, MAX_TENSOR_NAME)}…`;
}

function bucketSize(bytes: number): number {
  // Powers of two up to 1 MiB, then multiples of 1 MiB: bounded waste, good reuse.
  const b = Math.max(16, bytes);
  if (b <= 1 << 20) return 1 << Math.ceil(Math.log2(b));
  return Math.ceil(b / (1 << 20)) * (1 << 20);
}
