import { test, expect } from './fixtures';

/**
 * Issue 12: a lost GPU device (driver reset, another tab's crash) must not lose the run. A test-only
 * worker message (?testhooks=1, app/ui/workerClient.ts) destroys the worker's device the way a reset
 * would; the tab recreates it, restores training from the last in-memory recovery checkpoint (every
 * 100 steps, app/worker/session.ts) and resumes, so at most that interval of steps is redone.
 */
test('device loss during training: the tab recovers and training resumes from the last checkpoint', async ({ page, problems }) => {
  test.setTimeout(900_000);
  // Dawn reports the work that was in flight on the destroyed device; that is the point of the test.
  problems.allow(/\[webgpu\]|device (was )?lost|destroyed|Instance dropped/i);
  await page.goto('/?testhooks=1#panel=train&ds=druglike&width=16&depth=1&swidth=8&bs=1&total=100000&log=10&trainseed=5');
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready', { timeout: 120_000 });
  const tab = page.getByRole('tabpanel', { name: 'Train' });
  await tab.getByRole('button', { name: 'Train', exact: true }).click();
  const stepText = tab.getByTestId('train-step');
  // Past the first recovery checkpoint (step 100).
  await expect(stepText).toHaveText(/^(1[1-9]\d|[2-9]\d\d|\d{4,}) \//, { timeout: 780_000 });
  const lostAt = Number((await stepText.textContent())!.split(' ')[0]);
  await page.evaluate(() => (globalThis as unknown as { __labTest: { loseDevice(): void } }).__labTest.loseDevice());
  await expect(page.getByText(/Training was restored from the in-memory checkpoint at step \d+/).first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready');
  const restored = Number(/at step (\d+)/.exec((await page.getByText(/Training was restored from the in-memory checkpoint at step \d+/).first().textContent())!)![1]);
  expect(restored).toBeGreaterThanOrEqual(100);
  expect(lostAt - restored).toBeLessThanOrEqual(100 + 10);
  await expect(tab.getByTestId('train-state')).toHaveText('Paused', { timeout: 60_000 });
  await tab.getByRole('button', { name: /^(Train|Resume)$/ }).click();
  await expect.poll(async () => Number((await stepText.textContent())!.split(' ')[0]), { timeout: 300_000 }).toBeGreaterThan(restored);
});
