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
    page.on('pageerror', (err) => record(`pageerror: ${err.message}`));
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
