import { test, expect, openApp } from './fixtures';

/**
 * The kernel profiler: one training step (tiny Train settings from the URL) and one sampling step
 * of the drawn molecule; tables by op family and top kernels with dispatch counts, the adapter, a
 * note when the adapter cannot time kernels, and a JSON export that holds the same numbers.
 */
test('kernel profiler: tables by op family and top kernels, adapter, JSON export', async ({ page }) => {
  test.setTimeout(400_000);
  await openApp(page, 'mol=CCO&ds=druglike&width=16&depth=1&swidth=8&bs=2&tab=train');
  await page.getByRole('tab', { name: 'Train' }).click();
  const panel = page.getByRole('region', { name: 'Kernel profiler' });
  await panel.getByRole('checkbox', { name: 'Show the kernel profiler' }).check();
  await panel.getByRole('combobox', { name: 'Sampling network' }).selectOption({ label: 'Fresh generative preset' });
  await panel.getByRole('spinbutton', { name: 'Profiled conformers' }).fill('2');
  await panel.getByRole('button', { name: 'Profile', exact: true }).click();
  const trainFamilies = panel.getByRole('table', { name: 'Training step: GPU time by op family' });
  await expect(trainFamilies).toBeVisible({ timeout: 300_000 });
  for (const name of ['Training step: top kernels', 'Sampling step: GPU time by op family', 'Sampling step: top kernels']) {
    await expect(panel.getByRole('table', { name })).toBeVisible();
  }
  await expect(panel.getByTestId('profile-adapter')).toContainText(/Adapter: \S+/);
  // Dispatch counts: every family row has a positive count; the training step runs Adam.
  const rows = trainFamilies.getByRole('row');
  expect(await rows.count()).toBeGreaterThan(3);
  const counts = await trainFamilies.locator('tbody tr td:nth-child(2)').allTextContents();
  expect(counts.every((c) => Number(c) > 0)).toBe(true);
  await expect(trainFamilies.getByRole('rowheader', { name: /adam/i })).toHaveCount(1);
  // Untimed adapters say so; timed ones show milliseconds.
  const [download] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: 'Export JSON' }).click()]);
  const text = await (await download.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString('utf8'));
  const json = JSON.parse(text) as { adapter: string; timestampQuery: boolean; phases: { dispatches: number; families: { count: number }[] }[] };
  expect(json.phases).toHaveLength(2);
  for (const p of json.phases) expect(p.families.reduce((s, f) => s + f.count, 0)).toBe(p.dispatches);
  if (json.timestampQuery) await expect(panel.getByRole('note')).toHaveCount(0);
  else await expect(panel.getByRole('note')).toContainText('counted, not timed');
  console.log(`adapter ${json.adapter}; timestamps ${json.timestampQuery}; dispatches ${json.phases.map((p) => p.dispatches).join(', ')}`);
});
