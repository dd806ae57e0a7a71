import { defineConfig } from '@playwright/test';

/**
 * e2e tests drive the built app (vite preview) in the system Chromium with WebGPU on SwiftShader.
 * Flags: docs/webgpu-without-gpu.md §2, the recommended e2e set. Playwright already
 * passes --enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies and Chromium
 * keeps only the last --enable-features, so ours merges all three with Vulkan.
 * Never download a browser: executablePath points at the system Chromium.
 */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// E2E_PORT lets two checkouts run their e2e suites side by side without one reusing the
// other's preview server (which would serve the other checkout's build).
const PORT = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: './e2e',
  outputDir: './e2e/artifacts/results',
  // SwiftShader runs WebGPU on the CPU: kernels, pipeline compiles and three.js frames are slow.
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: './e2e/artifacts/report', open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    viewport: { width: 1280, height: 800 },
    screenshot: 'on',
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
    navigationTimeout: 60_000,
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [
        '--no-sandbox',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--enable-unsafe-webgpu',
        '--enable-features=Vulkan,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
        '--use-vulkan=swiftshader',
        '--use-angle=swiftshader',
      ],
    },
  },
  webServer: {
    // package.json's test:e2e builds first (vite build && playwright test); this serves dist/.
    command: `npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
