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
