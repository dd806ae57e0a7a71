import { test, expect, openApp } from './fixtures';
import type { Locator } from '@playwright/test';

/**
 * The 2D → 3D trajectory view explains itself: atoms coloured by element, by their step size or
 * by their score norm (with a legend); sigma(t) of the shown frame; and, paused on a frame, that
 * frame's bond-length error against the graph. Shipped checkpoint, 1 conformer, 12 steps.
 */

/**
 * The documented schedule, written out here (docs/method.md §2.2, §2.7): the shipped checkpoint's
 * 2D→3D SDE is VE with sigma(t) = 0.01 (10 / 0.01)^t Å; the PC sampler walks t_k = linspace(1, 1e-4, steps)
 * and the state after `step` steps stands at t_step (held at 1e-4 after the last step).
 */
function scheduleAt(step: number, steps: number): { t: number; sigma: number } {
  const tEnd = 1e-4;
  const t = step >= steps - 1 ? tEnd : 1 - (step / (steps - 1)) * (1 - tEnd);
  return { t, sigma: 0.01 * (10 / 0.01) ** t };
}

async function attr(l: Locator, name: string): Promise<string> {
  const v = await l.getAttribute(name);
  if (v === null) throw new Error(`missing ${name}`);
  return v;
}

test('trajectory: colour by element / step size / score norm, sigma per frame, paused-frame bond error', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page, 'mol=CC(=O)O&k=1&steps=12&frames=6&seed=3&sampler=pc');
  const panel = page.getByRole('tabpanel', { name: '2D → 3D' });
  await panel.getByRole('button', { name: 'Sample', exact: true }).click();
  await expect(panel.getByText(/^done: 12 steps/)).toBeVisible({ timeout: 400_000 });
  const canvas = panel.locator('canvas.viewer-canvas');
  const frames = Number(await attr(canvas, 'data-frames'));
  expect(frames).toBe(6);
  const slider = panel.getByRole('slider', { name: 'Trajectory frame' });

  // The last frame: colours per mode differ from each other, and the legend shows the frame's range.
  await slider.fill(String(frames - 1));
  await expect(canvas).toHaveAttribute('data-frame', String(frames - 1));
  const modes = panel.getByRole('radiogroup', { name: 'Colour atoms by' });
  await expect(modes.getByRole('radio', { name: 'Element' })).toBeChecked();
  const byElement = await attr(canvas, 'data-atom-colours');
  expect(byElement.split(',')).toHaveLength(4);
  const colours: Record<string, string> = { element: byElement };
  for (const [mode, name] of [['step', 'Step size'], ['score', 'Score norm']] as const) {
    await modes.getByRole('radio', { name }).check();
    await expect(canvas).toHaveAttribute('data-colour-mode', mode);
    colours[mode] = await attr(canvas, 'data-atom-colours');
    const legend = panel.getByRole('group', { name: `${name} colour scale` });
    const [min, max] = [Number(await attr(legend, 'data-min')), Number(await attr(legend, 'data-max'))];
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeGreaterThan(min);
    await expect(legend.getByLabel('Scale maximum')).toBeVisible();
  }
  expect(new Set(Object.values(colours)).size, JSON.stringify(colours)).toBe(3);

  // sigma of each scrubbed frame matches the schedule at that frame's step.
  const readout = panel.getByLabel('Noise level of the shown frame');
  for (const f of [0, 2, frames - 1]) {
    await slider.fill(String(f));
    await expect(canvas).toHaveAttribute('data-frame', String(f));
    const stepText = (await panel.locator('.transport-step').textContent()) ?? '';
    const step = Number(/step (\d+)\/12/.exec(stepText)?.[1]);
    const want = scheduleAt(step, 12);
    const sigma = Number(await attr(readout, 'data-sigma'));
    const t = Number(await attr(readout, 'data-t'));
    expect(t, `t at step ${step}`).toBeCloseTo(want.t, 9);
    expect(Math.abs(sigma / want.sigma - 1), `sigma at step ${step}: ${sigma} vs ${want.sigma}`).toBeLessThan(1e-9);
    if (want.t >= 0.01) await expect(readout).toContainText(`t = ${want.t.toFixed(3)}`);
  }

  // Paused (the scrub paused it) on the first, noisy frame and on the last: the bond-length
  // error against the graph is larger early.
  const inspect = panel.getByLabel('Frame bond-length error');
  const errorAt = async (f: number) => {
    await slider.fill(String(f));
    await expect(canvas).toHaveAttribute('data-frame', String(f));
    await expect(panel.getByRole('button', { name: 'Play', exact: true })).toHaveAttribute('aria-pressed', 'false');
    const step = (await panel.locator('.transport-step').textContent())!.match(/step (\d+)/)![1];
    await expect(inspect).toHaveAttribute('data-step', step);
    await expect(inspect).toContainText(/median \d+\.\d{3} Å, max \d+\.\d{3} Å over 3 bonds/);
    return { median: Number(await attr(inspect, 'data-median')), max: Number(await attr(inspect, 'data-max')) };
  };
  const early = await errorAt(0);
  const final = await errorAt(frames - 1);
  expect(early.median).toBeGreaterThan(final.median);
  expect(early.max).toBeGreaterThan(final.max);
  await expect(inspect).toContainText(/\d+ clash/);

  // The added controls are named, and a narrow window still does not scroll sideways.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#panel-sample .trajectory-viewer :is(button, input, select)')]
      .filter((el) => !(el.getAttribute('aria-label') || el.closest('label') || (el.tagName === 'BUTTON' && el.textContent?.trim())))
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);
  await page.setViewportSize({ width: 400, height: 800 });
  await expect(panel.getByRole('radiogroup', { name: 'Colour atoms by' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'horizontal overflow with the trajectory controls').toBeLessThanOrEqual(0);
});
