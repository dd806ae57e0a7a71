import { test, expect, openApp } from './fixtures';

test('at 1280x800 the editor, the SMILES box and the Sample button are on the first screen', async ({ page }) => {
  await openApp(page);
  for (const el of [
    page.getByRole('application', { name: 'Molecule editor' }),
    page.getByRole('textbox', { name: 'SMILES' }),
    page.getByRole('button', { name: 'Sample', exact: true }),
  ]) {
    await expect(el).toBeInViewport();
  }
});

test('a narrow window stacks the panels without horizontal scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 400, height: 800 });
  await openApp(page);
  for (const tab of ['2D → 3D', '3D → 2D', 'Train']) {
    await page.getByRole('tab', { name: tab }).click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `horizontal overflow on the ${tab} tab`).toBeLessThanOrEqual(0);
  }
  await expect(page.getByRole('textbox', { name: 'SMILES' })).toBeVisible();
});

test('dark theme is remembered across reloads', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(17, 20, 26)');
});

test('every button, input and select has an accessible name', async ({ page }) => {
  await openApp(page);
  for (const tab of ['2D → 3D', '3D → 2D', 'Train']) {
    await page.getByRole('tab', { name: tab }).click();
    const unnamed = await page.evaluate(() => {
      const out: string[] = [];
      for (const el of document.querySelectorAll<HTMLElement>('button, input, select, textarea')) {
        if (el.closest('[hidden]') || (el as HTMLInputElement).type === 'file' && el.hidden) continue;
        const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label') || (el.tagName === 'BUTTON' && el.textContent?.trim());
        if (!labelled) out.push(el.outerHTML.slice(0, 120));
      }
      return out;
    });
    expect(unnamed, `controls without a name on the ${tab} tab`).toEqual([]);
  }
});
