import { test, expect, openApp } from './fixtures';

/** The editor without a pointer: draw ethanol with the keyboard alone, with a visible focus. */
test('keyboard draws ethanol: Enter adds bonded atoms, O changes the focused atom, arrows move the focus', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Clear' }).click();
  const editor = page.getByRole('application', { name: 'Molecule editor' });
  await editor.focus();
  await expect(editor).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('o');
  const focus = page.getByTestId('editor-focus');
  await expect(focus).toHaveText('O, atom 3 of 3, bonded to C 2');
  await expect(page.getByRole('textbox', { name: 'SMILES' })).toHaveValue(/^(CCO|OCC)$/);
  await expect(page.getByText(/^Valid · C2H6O/)).toBeVisible();
  // The focused atom is drawn with a focus ring (selected while the canvas has the focus).
  await expect(page.locator('.editor-canvas .atom.selected')).toHaveAttribute('data-element', 'O');
  const stroke = await page.locator('.editor-canvas .atom.selected .atom-hit').evaluate((el) => getComputedStyle(el).stroke);
  expect(stroke).not.toBe('none');
  // Arrow keys walk back along the chain.
  await page.keyboard.press('Home');
  await expect(focus).toHaveText('C, atom 1 of 3, bonded to C 2');
  await page.keyboard.press('ArrowRight');
  await expect(focus).toHaveText(/^C, atom 2 of 3/);
});
