import { test as base, expect, type Page } from '@playwright/test';

/**
 * The shared fixture: every test fails on any console error or uncaught page error, and keeps a
 * full-page screenshot in e2e/artifacts/ named after the test.
 */
export interface PageProblems {
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[];
  /** Messages matching these are expected by the test itself (e.g. a test that provokes an error). */
  allow: (pattern: RegExp) => void;
}

export const test = base.extend<{ problems: PageProblems }>({
  problems: [async ({ page }, use, testInfo) => {
    const errors: string[] = [];
    const allowed: RegExp[] = [];
    const record = (text: string) => {
      if (!allowed.some((re) => re.test(text))) errors.push(text);
    };
    page.on('console', (msg) => {
      if (msg.type() === 'error') record(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => record(`pageerror: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 4).join('\n')}` : ''}`));
    await use({ errors, allow: (re) => allowed.push(re) });
    const name = testInfo.titlePath.slice(1).join(' - ').replace(/[^\w.-]+/g, '_');
    await page
      .screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: true })
      .catch(() => undefined);
    expect(errors, 'the page logged errors').toEqual([]);
  }, { auto: true }],
});

export { expect };

/** Opens the app and waits until the worker reports its adapter. */
export async function openApp(page: Page, hash = ''): Promise<void> {
  await page.goto(`/${hash ? `#${hash}` : ''}`);
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready', { timeout: 120_000 });
}

/**
 * Reads a canvas's pixels in the page (WebGL canvases are created with preserveDrawingBuffer) and
 * returns how many differ from its top-left (background) pixel, and a cheap fingerprint of the
 * image, so a test can tell a drawn canvas from a blank one and one frame from another.
 */
export async function canvasStats(page: Page, selector: string): Promise<{ drawn: number; fingerprint: number; width: number; height: number }> {
  return page.evaluate((sel) => {
    const src = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!src) throw new Error(`no canvas matches ${sel}`);
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(src, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    let fingerprint = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i] - d[0]) + Math.abs(d[i + 1] - d[1]) + Math.abs(d[i + 2] - d[2]) > 24) drawn++;
      fingerprint = (fingerprint * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 2147483647;
    }
    return { drawn, fingerprint, width: c.width, height: c.height };
  }, selector);
}
