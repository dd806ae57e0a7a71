import { test, expect, openApp } from './fixtures';

/**
 * Noise schedule and loss by noise level (Train tab): the schedule charts are drawn; measuring the
 * shipped checkpoint and a fresh paper-preset model gives one row per sigma of each model's range,
 * and the noisy input's RMSD grows with sigma.
 */
test('noise schedule charts; loss and denoised RMSD by noise level for two models', async ({ page }) => {
  test.setTimeout(500_000);
  await openApp(page, 'mol=CCO');
  await page.getByRole('tab', { name: 'Train' }).click();
  const panel = page.getByRole('region', { name: 'Noise schedule and loss by noise level' });
  await expect(panel.getByRole('img', { name: /^Noise schedule: sigma from/ })).toBeVisible();
  await expect(panel.getByRole('img', { name: /^Training emphasis over sigma/ })).toBeVisible();
  await panel.getByRole('spinbutton', { name: 'Molecules' }).fill('4');
  const table = panel.getByRole('table', { name: 'Loss by noise level' });
  const cases: [string, string[]][] = [
    ['Shipped checkpoint', ['0.01', '0.03', '0.1', '0.3', '1', '3', '10']],
    ['Fresh paper preset (untrained)', ['0.2', '0.3', '1']],
  ];
  for (const [model, sigmas] of cases) {
    await panel.getByRole('combobox', { name: 'Measured network' }).selectOption({ label: model });
    await panel.getByRole('button', { name: 'Measure loss by noise level' }).click();
    await expect(panel.getByText(model === 'Shipped checkpoint' ? /^the shipped checkpoint/ : /^a freshly initialised paper-preset model/)).toBeVisible({ timeout: 300_000 });
    await expect(table.locator('tbody tr')).toHaveCount(sigmas.length);
    expect(await table.locator('tbody th').allTextContents()).toEqual(sigmas);
    // Columns: sigma | network | oracle | gaussian | denoised | noisy | bond. The noisy RMSD grows with sigma.
    const noisy = (await table.locator('tbody td:nth-child(6)').allTextContents()).map(Number);
    for (let i = 1; i < noisy.length; i++) expect(noisy[i], `noisy RMSD at ${sigmas[i]}`).toBeGreaterThan(noisy[i - 1]);
    const losses = (await table.locator('tbody td:nth-child(2)').allTextContents()).map(Number);
    expect(losses.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    await expect(panel.getByRole('img', { name: /^Epsilon loss by noise level/ })).toBeVisible();
  }
  // The schedule caption follows the measured model.
  await expect(panel.getByText(/^paper preset: VE SDE, σ from 0.2 to 1 Å/)).toBeVisible();
});
