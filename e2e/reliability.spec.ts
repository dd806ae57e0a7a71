import { test, expect, openApp } from './fixtures';

/**
 * Issue 12 in the tab: a hostile link (absurd numbers, unknown names, a 2,000-atom SMILES in the
 * URL hash) and a 2,000-atom SMILES typed into the editor end in messages, not a broken tab: the
 * settings are clamped, RDKit never sees the long text, and sampling ethanol afterwards works.
 */
const HUGE = 'C'.repeat(2000);
const HOSTILE = [
  `mol=${HUGE}`, 'k=-5', 'steps=1e9', 'snr=NaN', 'corr=Infinity', 'frames=0x10', 'seed=1e300', 'weights=..%2F..%2Fetc',
  'panel=__proto__', 'preset=constructor', 'ds=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'bs=-1', 'lr=NaN', 'width=1e9', 'total=-7', 'tsteps=%00',
].join('&');

test('a hostile URL hash and a 2,000-atom SMILES leave the tab working; ethanol then samples', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, HOSTILE);
  const smiles = page.getByRole('textbox', { name: 'SMILES' });
  // The long SMILES from the hash is refused before RDKit with the lab's limit.
  await expect(page.getByText(/2000 characters, more than the 600 the lab reads/)).toBeVisible();
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  // Numbers from the hash are clamped into the controls' ranges (or fall back to the defaults).
  for (const name of ['Conformers', 'Steps', 'Frames']) {
    const v = Number(await panel.getByRole('spinbutton', { name, exact: true }).inputValue());
    expect(Number.isFinite(v) && v >= 1 && v <= 2000).toBe(true);
  }
  // A 2,000-atom SMILES typed into the editor: a message, the tab stays usable.
  await smiles.fill(`C(${'C'.repeat(1998)})`);
  await smiles.press('Enter');
  await expect(page.getByText(/characters, more than the 600 the lab reads/)).toBeVisible();
  await smiles.fill('CCO');
  await smiles.press('Enter');
  await expect(page.getByText(/^Valid · C2H6O/)).toBeVisible();
  await panel.getByRole('spinbutton', { name: 'Conformers', exact: true }).fill('1');
  await panel.getByRole('spinbutton', { name: 'Steps', exact: true }).fill('4');
  await panel.getByRole('spinbutton', { name: 'Frames', exact: true }).fill('2');
  await panel.getByRole('combobox', { name: 'Weights' }).selectOption('default');
  await panel.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(panel.getByText(/^done: 4 steps/)).toBeVisible({ timeout: 300_000 });
  await expect(panel.getByRole('table', { name: 'Conformer metrics' }).getByRole('row')).toHaveCount(2);
});
