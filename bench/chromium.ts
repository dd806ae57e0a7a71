/**
 * The Chromium half of the benchmark: build the bench page with Vite, serve it with `vite preview`
 * on 127.0.0.1 (WebGPU needs a secure origin), open it in the system Chromium through
 * playwright-core with WebGPU on SwiftShader, and read the result from `window.__bench`.
 * Never downloads a browser: CHROMIUM_PATH, default /usr/bin/chromium.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { BenchPageState } from './browser';
import type { EnvironmentResult } from './harness';
import type { RunOptions } from './cases';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// docs/webgpu-without-gpu.md §2: the recommended set (Playwright passes its own
// --enable-features and Chromium keeps only the last one, so ours merges them), plus the developer
// features flag that fills in the adapter's description.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-webgpu-developer-features',
  '--enable-features=Vulkan,CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
];

/** The whole page run; SwiftShader compiles pipelines slowly, so this is generous. */
const PAGE_TIMEOUT_MS = 240_000;

export async function runChromium(opts: RunOptions): Promise<EnvironmentResult> {
  const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url));
  opts.log('building the bench page with Vite');
  await build({ configFile, logLevel: 'warn' });
  const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: 4190, strictPort: false } });
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('vite preview did not report a local URL for the bench page');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS }).catch((err: unknown) => {
    throw new Error(`cannot start Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH): ${err instanceof Error ? err.message : err}`);
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      const text = m.text();
      opts.log(text.startsWith('[bench] ') ? `[chromium] ${text.slice(8)}` : `[chromium ${m.type()}] ${text}`);
    });
    page.on('pageerror', (err) => opts.log(`[chromium pageerror] ${err.message}`));
    const query = encodeURIComponent(JSON.stringify({ timing: opts.timing, filter: opts.filter }));
    await page.goto(`${base}?opts=${query}`);
    await page.waitForFunction(() => window.__bench?.done === true, null, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
    const state = (await page.evaluate(() => window.__bench)) as BenchPageState;
    if (state.error || !state.result) throw new Error(`the bench page failed: ${state.error ?? 'no result'}`);
    const cpu = os.cpus();
    state.result.machine = `${cpu[0]?.model ?? 'unknown CPU'}, ${state.result.machine}, ${os.platform()} ${os.release()}`;
    // The page's user agent is frozen at 156.0.0.0; the browser process knows its full version.
    state.result.environment = `Chromium ${browser.version()} (headless, WebGPU)`;
    return state.result;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
