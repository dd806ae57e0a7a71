import { test, expect, openApp } from './fixtures';

/**
 * Denoising by noise level in the 2D → 3D tab: the shipped checkpoint on the drawn molecule
 * (ethanol, whose conformer the data sets hold) gives one row per sigma of its range (0.01 to
 * 10 Å, log-spaced); the noisy input's RMSD grows with sigma and at large sigma the one-step
 * denoised geometry is far closer to the conformer than the noisy input. A molecule the data sets
 * do not hold (aspirin) gets a message that says why, not a table; validation molecules need none.
 */
test('2D → 3D tab: denoising loss and denoised RMSD by noise level for the drawn molecule', async ({ page }) => {
  test.setTimeout(400_000);
  await openApp(page, 'mol=CCO');
  const panel = page.getByRole('region', { name: 'Denoising by noise level' });
  await expect(panel.getByRole('combobox', { name: 'Measure on' })).toHaveValue('drawn');
  await panel.getByRole('spinbutton', { name: 'Noise draws per σ' }).fill('1');
  await panel.getByRole('button', { name: 'Measure denoising by noise level' }).click();
  const table = panel.getByRole('table', { name: 'Denoising by noise level' });
  await expect(table).toBeVisible({ timeout: 300_000 });
  await expect(panel.getByText(/^the shipped checkpoint .*; CCO, with its conformer from data set/)).toBeVisible();
  expect(await table.locator('tbody th').allTextContents()).toEqual(['0.01', '0.03', '0.1', '0.3', '1', '3', '10']);
  // Columns: sigma | network | oracle | gaussian | denoised | noisy | bond.
  const noisy = (await table.locator('tbody td:nth-child(6)').allTextContents()).map(Number);
  const denoised = (await table.locator('tbody td:nth-child(5)').allTextContents()).map(Number);
  for (let i = 1; i < noisy.length; i++) expect(noisy[i], `noisy RMSD, row ${i}`).toBeGreaterThan(noisy[i - 1]);
  for (const i of [5, 6]) expect(denoised[i], `denoised vs noisy RMSD at sigma row ${i}`).toBeLessThan(noisy[i] / 2);
  await expect(panel.getByRole('img', { name: /^One-step denoised RMSD by noise level/ })).toBeVisible();

  // Aspirin is not in the shipped data sets: no conformer to add noise to, and the panel says so.
  await page.getByRole('button', { name: 'Aspirin', exact: true }).click();
  await expect(page.getByText(/^Valid ·/)).toBeVisible();
  await panel.getByRole('button', { name: 'Measure denoising by noise level' }).click();
  await expect(panel.getByRole('alert')).toContainText(/not in the shipped data sets.*Validation molecules/, { timeout: 120_000 });
  await expect(table).toBeHidden();

  // Validation molecules need no conformer of the drawn molecule: 4 fixed ones of qm9like.
  await panel.getByRole('combobox', { name: 'Measure on' }).selectOption('validation');
  await panel.getByRole('button', { name: 'Measure denoising by noise level' }).click();
  await expect(table).toBeVisible({ timeout: 300_000 });
  await expect(panel.getByText(/^the shipped checkpoint .*; 4 validation molecules of qm9like/)).toBeVisible();
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(panel.getByRole('alert')).toHaveCount(0);
});
