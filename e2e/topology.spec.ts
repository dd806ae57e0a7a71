import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, openApp, canvasStats } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = (f: string) => path.join(here, 'data', f);

test('a 3D SDF opens in the 3D → 2D panel, drawn in 3D with its graph', async ({ page }) => {
  await openApp(page, 'panel=topology');
  const tab = page.getByRole('tabpanel', { name: '3D → 2D' });
  await tab.getByLabel('3D structure file').setInputFiles(data('alanine_3d.sdf'));
  await expect(tab.getByText(/Input:.*alanine_3d\.sdf, record 1 · 6 heavy atoms/)).toBeVisible();
  await expect(tab.getByText('C[C@H](N)C(=O)O')).toBeVisible();
  const canvas = tab.getByRole('img', { name: /3D input structure/ });
  await expect(canvas).toBeVisible();
  // The three.js view really drew the molecule (not a blank canvas).
  await expect.poll(async () => (await canvasStats(page, '#panel-topology canvas.viewer-canvas')).drawn, { timeout: 60_000 }).toBeGreaterThan(2000);
  await expect(tab.getByRole('button', { name: 'Generate topology' })).toBeEnabled();
});

test('a heavy-atom XYZ file gets its bonds perceived from distances, and says so', async ({ page }) => {
  await openApp(page, 'panel=topology');
  const tab = page.getByRole('tabpanel', { name: '3D → 2D' });
  await tab.getByLabel('3D structure file').setInputFiles(data('pyridine_heavy.xyz'));
  await expect(tab.getByText(/6 heavy atoms · bonds perceived from distances/)).toBeVisible();
  await expect(tab.getByText(/no hydrogens: its bonds were perceived from distances/)).toBeVisible();
});

test('a broken XYZ file is refused with the line that is wrong', async ({ page }) => {
  await openApp(page, 'panel=topology');
  const tab = page.getByRole('tabpanel', { name: '3D → 2D' });
  await tab.getByLabel('3D structure file').setInputFiles({ name: 'bad.xyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from('3\ncomment\nC 0 0 0\nO 1.2 0 0\n') });
  await expect(tab.getByRole('alert')).toContainText(/bad\.xyz: .*line/);
});

test('opening a 3D molfile in the molecule editor keeps its geometry as the RMSD reference', async ({ page }) => {
  await openApp(page);
  await page.getByLabel('Molfile to open').setInputFiles(data('alanine_3d.sdf'));
  await expect(page.getByRole('textbox', { name: 'SMILES' })).toHaveValue('C[C@H](N)C(=O)O');
  await expect(page.locator('.editor-canvas [data-atom]')).toHaveCount(6);
});

test('generate a topology from a 3D file: the heat map animates and the result is compared', async ({ page }) => {
  test.setTimeout(600_000);
  // Weights: a tiny model trained for a few steps here (no shipped file needed).
  await openApp(page, 'panel=train&ds=druglike&width=16&depth=1&swidth=8&bs=2&total=1000&log=2&tsteps=10&tframes=5');
  const train = page.getByRole('tabpanel', { name: 'Train' });
  await train.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(train.getByTestId('train-step')).toHaveText(/^([2-9]|\d\d+) \//, { timeout: 300_000 });
  await train.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(train.getByTestId('train-state')).toHaveText('Paused', { timeout: 120_000 });

  await page.getByRole('tab', { name: '3D → 2D' }).click();
  const tab = page.getByRole('tabpanel', { name: '3D → 2D' });
  await tab.getByLabel('3D structure file').setInputFiles(data('alanine_3d.sdf'));
  await tab.getByRole('button', { name: 'Generate topology' }).click();
  await expect(tab.getByText(/^done in/)).toBeVisible({ timeout: 300_000 });
  const heat = tab.getByRole('img', { name: /Adjacency matrix, step/ });
  await expect(heat).toBeVisible();
  // A 6 x 6 matrix, several frames to scrub through.
  expect(await heat.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([6, 6]);
  const slider = tab.getByRole('slider', { name: 'Adjacency frame' });
  expect(Number(await slider.getAttribute('max'))).toBeGreaterThanOrEqual(2);
  await slider.fill('0');
  await expect(heat).toHaveAttribute('data-frame', '0');
  // The recovered graph is drawn against the input with its differences counted.
  await expect(tab.getByText(/^Recovered:/)).toBeVisible();
  await expect(tab.getByRole('img', { name: /Recovered bonds compared with the input: \d+ bonds added, \d+ lost/ })).toBeVisible();
});
