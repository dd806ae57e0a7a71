import { test, expect, openApp } from './fixtures';

test('train a few steps, see the loss chart, pause, save a checkpoint, reload and load it', async ({ page }) => {
  test.setTimeout(600_000);
  // Small model and batch: SwiftShader runs every kernel on the CPU.
  await openApp(page, 'panel=train&ds=druglike&width=16&depth=1&swidth=8&bs=2&total=400&log=2&trainseed=3');
  const tab = page.getByRole('tabpanel', { name: 'Train' });
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  await tab.getByRole('button', { name: 'Train', exact: true }).click();
  const step = tab.getByTestId('train-step');
  await expect(step).toHaveText(/^([6-9]|\d\d+) \/ 400$/, { timeout: 400_000 });
  await tab.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(tab.getByTestId('train-state')).toHaveText('Paused', { timeout: 120_000 });
  const chart = tab.getByRole('img', { name: /Loss curves/ });
  const points = Number(await chart.getAttribute('data-points'));
  expect(points).toBeGreaterThanOrEqual(3);
  // uPlot drew the series paths.
  await expect(chart.locator('canvas')).toBeVisible();
  const pausedAt = Number((await step.textContent())!.split('/')[0]);
  // One more step while paused.
  await tab.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(step).toHaveText(`${pausedAt + 1} / 400`, { timeout: 120_000 });
  await tab.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(tab.getByText(/Saved step \d+ in the browser/)).toBeVisible({ timeout: 120_000 });
  const rows = tab.getByRole('table', { name: 'Saved checkpoints' }).getByRole('row');
  await expect(rows).toHaveCount(2);
  await page.reload();
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready', { timeout: 120_000 });
  const tab2 = page.getByRole('tabpanel', { name: 'Train' });
  await tab2.getByRole('button', { name: /^Load checkpoint / }).first().click();
  await expect(tab2.getByText(/Checkpoint loaded at step \d+/)).toBeVisible({ timeout: 120_000 });
  await expect(tab2.getByTestId('train-step')).toHaveText(new RegExp(`^${pausedAt + 1} /`));
  await expect(tab2.getByTestId('train-state')).toHaveText('Paused');
  // Reset clears the run view; the next Train starts fresh.
  await tab2.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(tab2.getByTestId('train-state')).toHaveText('Not started');
  await expect(tab2.getByTestId('train-step')).toHaveText('0 / 400');
  await page.waitForTimeout(1000); // the worker's answer to 'stop' must not bring the old run back
  await expect(tab2.getByTestId('train-state')).toHaveText('Not started');
});

test('a corrupt checkpoint file is refused with the worker’s reason, shown in the UI', async ({ page }) => {
  await openApp(page, 'panel=train');
  const tab = page.getByRole('tabpanel', { name: 'Train' });
  await tab.getByLabel('Checkpoint file to import').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not a safetensors file') });
  // The worker's error reaches both the panel and the global message log; nothing is swallowed.
  await expect(tab.getByRole('alert').filter({ hasText: /Cannot load the checkpoint/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Engine messages' })).toContainText('Cannot load the checkpoint');
  await expect(tab.getByTestId('train-state')).toHaveText('Not started');
});
