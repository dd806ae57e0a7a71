/** The screen shown when this browser cannot give us a WebGPU device, and how to get one. */
export function NoWebGPU({ reason }: { reason: string | null }) {
  return (
    <main className="no-webgpu" aria-labelledby="no-webgpu-title">
      <h1 id="no-webgpu-title">WebGPU is not available here</h1>
      <p className="reason">{reason ?? 'The browser did not provide a GPU adapter.'}</p>
      <p>This lab trains and samples a neural network with WebGPU compute shaders, in this tab. To use it:</p>
      <ul>
        <li>
          <strong>Chrome or Edge 113+</strong> on Windows, macOS and ChromeOS have WebGPU on by default. On Linux, start Chrome with{' '}
          <code>--enable-unsafe-webgpu</code> (and <code>--enable-features=Vulkan</code>), or enable <code>chrome://flags/#enable-unsafe-webgpu</code>.
        </li>
        <li>
          <strong>Safari 26</strong> on macOS, iOS and iPadOS.
        </li>
        <li>
          <strong>Firefox 141+</strong> on Windows; elsewhere set <code>dom.webgpu.enabled</code> in <code>about:config</code>.
        </li>
        <li>Open the page over https or from localhost: WebGPU exists only in secure contexts.</li>
        <li>If the GPU is blocklisted, update its driver; a software adapter (SwiftShader) works too, slowly.</li>
      </ul>
      <button type="button" onClick={() => location.reload()}>
        Try again
      </button>
    </main>
  );
}
