import { test, expect, openApp } from './fixtures';

/**
 * The Fine-tune tab on SwiftShader: open a small regression CSV (the file input, as "Open CSV…"
 * uses it), see the preview, run the pretrained and the scratch arm for 2 epochs over 2 seeds,
 * see both rows of the results table and download the test predictions.
 */
const SMILES = ['CCO', 'CCN', 'CCC', 'c1ccccc1', 'c1ccncc1', 'CC(=O)O', 'C1CCCCC1', 'CCOC', 'c1ccoc1', 'NCCO', 'CC#N', 'OC1CCCC1', 'Cc1ccccc1', 'CCCCO', 'C1CCNCC1', 'CC(C)O', 'c1ccsc1', 'CCCl', 'OCC(O)CO', 'C1CC1'];

test('fine-tune: upload a CSV, run both arms a few epochs, results table, download predictions', async ({ page }) => {
  test.setTimeout(400_000);
  await openApp(page, 'panel=finetune&ftsplit=random&ftseeds=2&ftepochs=2&ftbs=8');
  const panel = page.getByRole('region', { name: 'Fine-tune on your data' });
  await expect(panel.getByText(/never uploaded/)).toBeVisible();
  const csv = `id;smiles;logS\r\n${SMILES.map((s, i) => `${i};${s};${(s.length / 3 - 1).toFixed(2)}`).join('\r\n')}\r\n99;not_a_smiles;1\r\n`;
  await panel.getByLabel('CSV file to fine-tune on').setInputFiles({ name: 'solubility.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(panel.getByRole('table', { name: 'CSV preview' })).toContainText('c1ccccc1');
  await expect(panel.getByRole('combobox', { name: 'SMILES column' })).toHaveValue('smiles');
  await expect(panel.getByRole('checkbox', { name: 'logS' })).toBeChecked();
  await panel.getByRole('button', { name: 'Fine-tune both arms' }).click();
  await expect(panel.getByTestId('finetune-summary')).toContainText('Kept 20 of 21 rows (1 dropped); task regression', { timeout: 120_000 });
  await expect(panel.getByText('1 rows dropped')).toBeVisible();
  const results = panel.getByRole('table', { name: 'Fine-tuning results' });
  await expect(results).toBeVisible({ timeout: 300_000 });
  await expect(results.getByRole('row')).toHaveCount(3);
  for (const arm of ['pretrained', 'scratch']) await expect(panel.getByTestId(`test-${arm}`)).toHaveText(/^\d+\.\d{3} ± \d+\.\d{3}$/);
  await expect(panel.getByRole('img', { name: /Validation RMSE per epoch, 8 points/ })).toBeVisible();
  await expect(panel.getByRole('img', { name: /Test predictions against true logS/ })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Download test predictions (CSV)' }).click()]);
  const text = Buffer.concat(await (await download.createReadStream()).toArray()).toString('utf8');
  const lines = text.trim().split('\n');
  expect(lines[0]).toBe('line,smiles,logS,logS_pretrained_mean,logS_pretrained_seed0,logS_pretrained_seed1,logS_scratch_mean,logS_scratch_seed0,logS_scratch_seed1');
  expect(lines.length).toBeGreaterThan(1);
  for (const l of lines.slice(1)) expect(l.split(',').slice(2).every((v) => Number.isFinite(Number(v)))).toBe(true);
  // The settings are in the link; the CSV is not.
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('ftlabels=logS');
  expect(await page.evaluate(() => location.hash)).not.toContain('c1ccccc1');
});
