import { test, expect } from '@playwright/test';

/**
 * The Chromium tab's sampling time on SwiftShader, read from the Sample panel's own "done: N steps
 * in X" line: 4 conformers of TAB_SMILES (default aspirin), TAB_STEPS PC steps (default 100), seed 1,
 * the build's shipped weights, twice in one page (the first run compiles the pipelines). TAB_BASE is
 * the URL of a `vite preview` of the build to time (bench/README.md, "Sampling"). Not a test: it
 * lives outside e2e/ and asserts nothing about the time.
 */
test('tab sampling time', async ({ page }) => {
  test.setTimeout(900_000);
  const steps = Number(process.env.TAB_STEPS ?? 100);
  const mol = encodeURIComponent(process.env.TAB_SMILES ?? 'CC(=O)Oc1ccccc1C(=O)O');
  await page.goto(`${process.env.TAB_BASE}/#mol=${mol}&k=4&steps=${steps}&frames=10&seed=1`);
  await expect(page.getByRole('status', { name: 'Engine status' })).toContainText('WebGPU ready', { timeout: 180_000 });
  await page.getByRole('tab', { name: '2D → 3D' }).click();
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  for (let run = 0; run < 2; run++) {
    await panel.getByRole('button', { name: 'Sample', exact: true }).click();
    const done = panel.getByText(/^done: \d+ steps in/);
    await expect(done).toBeVisible({ timeout: 800_000 });
    console.log(`TAB ${process.env.TAB_BASE} run ${run}: ${await done.textContent()}`);
  }
});
