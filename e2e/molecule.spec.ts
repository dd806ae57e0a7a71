import { test, expect, openApp } from './fixtures';
import type { Page } from '@playwright/test';

const smiles = (page: Page) => page.getByRole('textbox', { name: 'SMILES' });
const status = (page: Page) => page.getByTestId('smiles-status');

test('typing a SMILES validates it and shows RDKit depiction and formula', async ({ page }) => {
  await openApp(page);
  await smiles(page).fill('CC(=O)Nc1ccc(O)cc1');
  // Paracetamol: C8H9NO2, 151.16 g/mol, 11 heavy atoms.
  await expect(status(page)).toContainText('Valid · C8H9NO2 · 151.1');
  await expect(status(page)).toContainText('11 heavy atoms');
  const depiction = page.getByRole('img', { name: /RDKit depiction/ });
  await expect(depiction.locator('svg')).toBeVisible();
  // The drawing in the editor follows: 11 heavy atoms, 11 bonds.
  await expect(page.locator('.editor-canvas [data-atom]')).toHaveCount(11);
  await expect(page.locator('.editor-canvas [data-bond]')).toHaveCount(11);
});

test('an invalid SMILES shows RDKit’s reason next to the input', async ({ page }) => {
  await openApp(page);
  await smiles(page).fill('C1CC');
  await expect(status(page)).toContainText(/Invalid: .*unclosed ring/i);
  await expect(smiles(page)).toHaveAttribute('aria-invalid', 'true');
  await smiles(page).fill('C(C)(C)(C)(C)C');
  await expect(status(page)).toContainText(/Invalid: .*valence/i);
  await smiles(page).fill('c1cccc1');
  await expect(status(page)).toContainText(/Invalid: .*kekulize/i);
});

async function atomCentre(page: Page, index: number) {
  const box = await page.locator(`.editor-canvas [data-atom="${index}"] .atom-hit`).boundingBox();
  if (!box) throw new Error(`atom ${index} is not on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

test('drawing with clicks in the editor gives its SMILES; bonds cycle; undo/redo', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Clear molecule' }).click();
  await expect(smiles(page)).toHaveValue('');
  const canvas = page.getByRole('application', { name: 'Molecule editor' });
  const box = (await canvas.boundingBox())!;
  // Carbon is the default element: click empty space for the first atom.
  await page.mouse.click(box.x + box.width * 0.35, box.y + box.height / 2);
  await expect(smiles(page)).toHaveValue('C');
  // Clicking a carbon with carbon selected grows a new carbon bonded to it.
  const c0 = await atomCentre(page, 0);
  await page.mouse.click(c0.x, c0.y);
  await expect(smiles(page)).toHaveValue('CC');
  // Drag from atom 1 to empty space draws a bond to a new atom of the chosen element (oxygen).
  await page.getByRole('button', { name: 'Oxygen (O)' }).click();
  const c1 = await atomCentre(page, 1);
  await page.mouse.move(c1.x, c1.y);
  await page.mouse.down();
  await page.mouse.move(c1.x + 30, c1.y + 20, { steps: 4 });
  await page.mouse.move(c1.x + 60, c1.y + 10, { steps: 4 });
  await page.mouse.up();
  await expect(smiles(page)).toHaveValue('CCO'); // ethanol
  await expect(status(page)).toContainText('C2H6O');
  // Clicking the C–O bond makes it double: acetaldehyde.
  const o = await atomCentre(page, 2);
  await page.mouse.click((c1.x + o.x) / 2, (c1.y + o.y) / 2);
  await expect(smiles(page)).toHaveValue('CC=O');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(smiles(page)).toHaveValue('CCO');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(smiles(page)).toHaveValue('CC=O');
  // Keyboard: Ctrl+Z in the editor undoes too.
  await canvas.focus();
  await page.keyboard.press('Control+z');
  await expect(smiles(page)).toHaveValue('CCO');
});

test('a ring template and a charge', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Clear molecule' }).click();
  const canvas = page.getByRole('application', { name: 'Molecule editor' });
  const box = (await canvas.boundingBox())!;
  await page.getByRole('button', { name: 'Benzene ring' }).click();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect(smiles(page)).toHaveValue('c1ccccc1');
  // Grow a nitrogen from one ring atom, then make it N+ ... and O- next to it: nitrobenzene-like.
  await page.getByRole('button', { name: 'Nitrogen (N)' }).click();
  const a0 = await atomCentre(page, 0);
  await page.mouse.click(a0.x, a0.y); // sets the element of atom 0 to N: pyridine
  await expect(smiles(page)).toHaveValue('c1ccncc1');
  await page.getByRole('button', { name: 'Increase charge' }).click();
  await page.mouse.click(a0.x, a0.y);
  await expect(status(page)).toContainText(/Invalid|Valid/);
  await expect(smiles(page)).toHaveValue('c1cc[nH+]cc1');
});

test('gallery examples load into the editor and the SMILES box', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Pyridine' }).click();
  await expect(smiles(page)).toHaveValue('c1ccncc1');
  await page.getByRole('button', { name: 'L-Alanine' }).click();
  await expect(smiles(page)).toHaveValue('C[C@H](N)C(=O)O');
  await expect(status(page)).toContainText('1 stereocentre');
  await expect(page.locator('.editor-canvas [data-atom]')).toHaveCount(6);
});

test('the molecule and settings round-trip through the URL hash', async ({ page }) => {
  await openApp(page, 'mol=CCO&k=2&steps=50&sampler=ode&seed=7&panel=sample');
  await expect(smiles(page)).toHaveValue('CCO');
  await expect(page.getByRole('spinbutton', { name: 'Conformers' })).toHaveValue('2');
  await expect(page.getByRole('spinbutton', { name: 'Steps' })).toHaveValue('50');
  await expect(page.getByRole('combobox', { name: 'Sampler' })).toHaveValue('ode');
  await expect(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue('7');
  // Editing the molecule and a setting rewrites the hash, so the link reproduces the state.
  await smiles(page).fill('c1ccccc1O');
  await page.getByRole('spinbutton', { name: 'Conformers' }).fill('3');
  await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toContain('mol=Oc1ccccc1');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('k=3');
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url);
  await expect(smiles(page)).toHaveValue('Oc1ccccc1');
  await expect(page.getByRole('spinbutton', { name: 'Conformers' })).toHaveValue('3');
});

test('keyboard: Delete removes the selected atom; dark theme toggles', async ({ page }) => {
  await openApp(page, 'mol=CCO');
  await expect(page.locator('.editor-canvas [data-atom]')).toHaveCount(3);
  const o = await atomCentre(page, 2);
  await page.getByRole('button', { name: 'Move atoms' }).click();
  await page.mouse.click(o.x, o.y); // selects the atom
  await page.keyboard.press('Delete');
  await expect(smiles(page)).toHaveValue('CC');
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});
