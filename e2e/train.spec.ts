import { test, expect, openApp } from './fixtures';

test('train, pause, step, see the loss chart, save a checkpoint, reload and load it', async ({ page }) => {
  test.setTimeout(600_000);
  // Small model and batch: SwiftShader runs every kernel on the CPU. Losses are read back when
  // the run pauses and after each single step (log=1000 never closes a window by count).
  await openApp(page, 'panel=train&ds=druglike&width=16&depth=1&swidth=8&bs=2&total=400&log=1000&trainseed=3');
  const tab = page.getByRole('tabpanel', { name: 'Train' });
  await expect(page.getByRole('tab', { name: 'Train' })).toHaveAttribute('aria-selected', 'true');
  await tab.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(tab.getByText(/^druglike: [\d,]+ molecules$/)).toBeVisible({ timeout: 120_000 });
  await page.waitForTimeout(5000);
  await tab.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(tab.getByTestId('train-state')).toHaveText('Paused', { timeout: 300_000 });
  const step = tab.getByTestId('train-step');
  const chart = tab.getByRole('img', { name: /Loss curves/ });
  const pausedAt = Number((await step.textContent())!.split('/')[0]);
  const points = Number(await chart.getAttribute('data-points'));
  // Two single steps while paused; each one's losses come back at once as a chart point.
  for (const k of [1, 2]) {
    await tab.getByRole('button', { name: 'Step', exact: true }).click();
    await expect(step).toHaveText(`${pausedAt + k} / 400`, { timeout: 120_000 });
    await expect(tab.getByTestId('train-state')).toHaveText('Paused');
    await expect(chart).toHaveAttribute('data-points', String(points + k));
  }
  await expect(tab.getByText(/steps\/s/)).toBeVisible();
  await expect(chart.locator('canvas')).toBeVisible();
  await tab.getByRole('button', { name: 'Save checkpoint' }).click();
  await expect(tab.getByText(/Saved step \d+ in the browser/)).toBeVisible({ timeout: 120_000 });
  const rows = tab.getByRole('table', { name: 'Saved checkpoints' }).getByRole('row');
  await expect(rows).toHaveCount(2);
  await page.reload();
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready', { timeout: 120_000 });
  const tab2 = page.getByRole('tabpanel', { name: 'Train' });
  await tab2.getByRole('button', { name: /^Load checkpoint / }).first().click();
  await expect(tab2.getByText(/Checkpoint loaded at step \d+/)).toBeVisible({ timeout: 120_000 });
  await expect(tab2.getByTestId('train-step')).toHaveText(new RegExp(`^${pausedAt + 2} /`));
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

test('while training runs, the step counter, speed and loss curve update live', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, 'panel=train&ds=druglike&width=16&depth=1&swidth=8&bs=2&total=400&log=2&trainseed=4');
  const tab = page.getByRole('tabpanel', { name: 'Train' });
  await tab.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(tab.getByTestId('train-state')).toHaveText('Training', { timeout: 300_000 });
  await expect(tab.getByTestId('train-step')).toHaveText(/^([6-9]|\d\d+) \/ 400$/, { timeout: 300_000 });
  const chart = tab.getByRole('img', { name: /Loss curves/ });
  expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  await expect(tab.getByText(/\d+(\.\d+)? steps\/s · \d+ mol\/s/)).toBeVisible();
  await expect(tab.getByRole('progressbar', { name: 'Training progress' })).toBeVisible();
  await tab.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(tab.getByTestId('train-state')).toHaveText('Paused', { timeout: 120_000 });
});
