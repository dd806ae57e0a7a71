import { test, expect, openApp } from './fixtures';

// The shipped checkpoint (public/checkpoints/default.safetensors) is what every visitor samples
// from: it must load in the browser and drive the sampler end to end.
test('sampling with the shipped checkpoint loads its weights and streams a trajectory', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, 'mol=CC(=O)O&k=2&steps=6&frames=3&seed=2');
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  await expect(panel.getByRole('combobox', { name: 'Weights' })).toHaveValue('default');
  await panel.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(panel.getByText(/^done: 6 steps/)).toBeVisible({ timeout: 480_000 });
  const canvas = panel.locator('canvas.viewer-canvas');
  expect(Number(await canvas.getAttribute('data-frames'))).toBeGreaterThanOrEqual(2);
  const table = panel.getByRole('table', { name: 'Conformer metrics' });
  await expect(table.getByRole('row')).toHaveCount(3);
});
