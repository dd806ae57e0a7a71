import { test, expect, openApp } from './fixtures';
import { ALL_EXAMPLES } from '../app/ui/chem/examples';

/**
 * "Use reference geometry" in the 3D → 2D panel: every example molecule gets a 3D input in one
 * click (from the data sets, else from public/data/examples.sdf), and the 3D → 2D model runs on it.
 */
test('every example has a reference geometry; 3D → 2D runs from an example in one click', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, 'tsteps=8&tframes=4');
  const tab = page.getByRole('tabpanel', { name: '3D → 2D' });
  const sources = new Map<string, string>();
  for (const ex of ALL_EXAMPLES) {
    await page.getByRole('button', { name: ex.name, exact: true }).click();
    await expect(page.getByText(/^Valid ·/)).toBeVisible();
    await page.getByRole('tab', { name: '3D → 2D' }).click();
    await tab.getByRole('button', { name: 'Use reference geometry' }).click();
    const input = tab.locator('.topology-input > p').first();
    await expect(input).toContainText(`reference geometry of ${ex.name}`, { timeout: 120_000 });
    const text = (await input.textContent()) ?? '';
    sources.set(ex.name, /examples\.sdf/.test(text) ? 'examples.sdf' : 'data set');
    await page.getByRole('tab', { name: '2D → 3D' }).click();
  }
  console.log(JSON.stringify(Object.fromEntries(sources)));
  // Ethanol is in the shipped data sets; aspirin is not, and comes from the shipped examples.
  expect(sources.get('Ethanol')).toBe('data set');
  expect(sources.get('Aspirin')).toBe('examples.sdf');

  // One click and the model runs: aspirin, 13 heavy atoms, shipped checkpoint.
  await page.getByRole('button', { name: 'Aspirin', exact: true }).click();
  await page.getByRole('tab', { name: '3D → 2D' }).click();
  await tab.getByRole('button', { name: 'Use reference geometry' }).click();
  await expect(tab.locator('.topology-input > p').first()).toContainText(/reference geometry of Aspirin.*examples\.sdf.*13 heavy atoms/);
  await tab.getByRole('button', { name: 'Generate topology' }).click();
  await expect(tab.getByText(/^done in/)).toBeVisible({ timeout: 300_000 });
  await expect(tab.getByText(/^Recovered:/)).toBeVisible();
});
