import { test, expect, openApp, canvasStats } from './fixtures';
import { getRDKit } from '../app/chem/rdkit';
import { readSdf } from '../app/chem/io';
import type { Page } from '@playwright/test';

/** A tiny model trained for a few steps in the tab: sampling needs weights, and this needs no shipped file. */
async function trainTinyModel(page: Page) {
  await page.getByRole('tab', { name: 'Train' }).click();
  const train = page.getByRole('tabpanel', { name: 'Train' });
  await train.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(train.getByTestId('train-step')).toHaveText(/^([2-9]|\d\d+) \//, { timeout: 300_000 });
  await train.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(train.getByTestId('train-state')).toHaveText('Paused', { timeout: 120_000 });
}

test('sample 2 conformers with few steps: frames stream, the 3D view changes, metrics, SDF download parses', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, 'mol=C[C@H](N)C(=O)O&k=2&steps=12&frames=6&seed=5&ds=druglike&width=16&depth=1&swidth=8&bs=2&total=1000&log=2');
  await trainTinyModel(page);
  await page.getByRole('tab', { name: '2D → 3D' }).click();
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  await panel.getByRole('combobox', { name: 'Weights' }).selectOption('trained');
  await panel.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(panel.getByText(/^done: 12 steps/)).toBeVisible({ timeout: 300_000 });
  // Frames streamed during the run: about steps / frames of them, plus the final one.
  const canvas = panel.locator('canvas.viewer-canvas');
  const frames = Number(await canvas.getAttribute('data-frames'));
  expect(frames).toBeGreaterThanOrEqual(3);
  // Scrub to the first (noise) frame and to the last (conformer): the drawing differs.
  const slider = panel.getByRole('slider', { name: 'Trajectory frame' });
  await slider.fill('0');
  await expect(canvas).toHaveAttribute('data-frame', '0');
  await page.waitForTimeout(500);
  const first = await canvasStats(page, '#panel-sample canvas.viewer-canvas');
  await slider.fill(String(frames - 1));
  await expect(canvas).toHaveAttribute('data-frame', String(frames - 1));
  await page.waitForTimeout(500);
  const last = await canvasStats(page, '#panel-sample canvas.viewer-canvas');
  expect(first.drawn).toBeGreaterThan(500);
  expect(last.drawn).toBeGreaterThan(500);
  expect(last.fingerprint).not.toBe(first.fingerprint);
  // Space toggles playback (the scrub paused it).
  const play = panel.getByRole('button', { name: 'Play', exact: true });
  await expect(play).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Space');
  await expect(play).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Space');
  await expect(play).toHaveAttribute('aria-pressed', 'false');
  // Switching conformer changes the picture too.
  await panel.getByRole('button', { name: 'Conformer 2' }).click();
  await page.waitForTimeout(500);
  expect((await canvasStats(page, '#panel-sample canvas.viewer-canvas')).fingerprint).not.toBe(last.fingerprint);
  // Per-conformer metrics: one row per conformer, with a chirality verdict for the stereocentre.
  const table = panel.getByRole('table', { name: 'Conformer metrics' });
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('row').nth(1)).toContainText(/kept|lost/);
  // The SDF download holds both conformers with 3D coordinates and the input's graph.
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download SDF' }).click()]);
  const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const rd = await getRDKit();
  const sdf = readSdf(rd, text);
  expect(sdf.errors).toEqual([]);
  expect(sdf.molecules).toHaveLength(2);
  for (const m of sdf.molecules) {
    expect(m.molecule.atoms.map((a) => a.element)).toEqual(['C', 'C', 'N', 'C', 'O', 'O']);
    expect(m.molecule.positions).toBeDefined();
    expect(m.props.conformer).toBe(String(m.record));
  }
  // The selected conformer goes to the 3D -> 2D panel as its input.
  await panel.getByRole('button', { name: 'Recover its graph (3D → 2D)' }).click();
  await expect(page.getByRole('tab', { name: '3D → 2D' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel', { name: '3D → 2D' }).getByText(/Input: sampled conformer 2 of C\[C@H\]\(N\)C\(=O\)O · 6 heavy atoms/)).toBeVisible();
});

test('the sampler offers the tab’s own model only once one exists', async ({ page }) => {
  await openApp(page, 'mol=CCO&k=1&steps=4&frames=2');
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  // Without a run in this tab the 'trained' choice is disabled.
  await expect(panel.getByLabel('Weights').getByRole('option', { name: 'Model trained in this tab' })).toBeDisabled();
});
