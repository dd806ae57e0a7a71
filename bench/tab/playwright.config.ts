/**
 * Runs bench/tab/sample.spec.ts in the system Chromium with WebGPU on SwiftShader (the flags of
 * playwright.config.ts); the page is served separately (TAB_BASE), so two builds can be timed.
 */
import { defineConfig } from '@playwright/test';
export default defineConfig({
  testDir: '.',
  timeout: 900_000,
  workers: 1,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--enable-unsafe-webgpu', '--enable-features=Vulkan,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies', '--use-vulkan=swiftshader', '--use-angle=swiftshader'],
    },
  },
});
