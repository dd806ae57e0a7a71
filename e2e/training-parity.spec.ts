import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test, expect } from './fixtures';
import type { ParityResult, PresetParity } from './pages/parityRun';
import type { ParityOutcome } from './pages/parityWorker';

/**
 * One pretraining step of MoleculeSDE in Chromium (WebGPU on SwiftShader, in a worker, as the app
 * trains) against the same step in Node (Dawn, usually lavapipe): same data file, same fixed batch,
 * same seed, both presets at tiny widths. Both sides run e2e/pages/parityRun.ts; this spec runs
 * its Node side in the Playwright test process itself and compares every loss term of step 0 and
 * of step 1 (after one Adam update).
 *
 * Tolerance. Both adapters run the same WGSL with the same f32 summation orders (every reduction
 * in our kernels has a fixed order), so the sides differ only where compilers and math libraries
 * may. The large one is sin/cos: measured over [-pi, pi], SwiftShader's are off by up to 1.9e-4
 * (absolute; WGSL allows 2^-11 = 4.9e-4 there), lavapipe's by 6e-8, while log, exp, tanh and sqrt
 * agree to ~1e-6 on both. Every Gaussian draw is Box-Muller, r cos(theta), and the 2D->3D net's
 * Fourier features and the noise-level embedding are sin/cos too, so the draws and features
 * differ by ~1e-4 and the denoising terms, mean squared errors against those draws, by a few 1e-4
 * relative (measured up to 3.6e-4). RTOL = 2e-3 is ~4 times 2^-11 and ~5 times the largest
 * difference seen; the spec checks that one Adam step moves the step-1 total by well over 10 RTOL,
 * so a wrong or missing update (or a different draw, a kernel computing something else) is still
 * seen.
 *
 * The step-0 contrastive term uses no draw and no Fourier feature (GIN, SchNet and two host-side
 * permutations); only SchNet's cosine cutoff touches cos, and the sides agree to ~5e-7 there. It
 * gets the tight RTOL_NO_DRAWS = 2e-5, so plain f32 arithmetic (matmuls, segment sums, BatchNorm,
 * softplus) must agree near f32 precision, not merely within the draws' tolerance.
 */
const RTOL = 2e-3;
const RTOL_NO_DRAWS = 2e-5;
/** For a term that is (close to) zero, where a relative bound means nothing. */
const ATOL = 1e-6;
const TERMS = ['total', 'contrastive', 'denoise2Dto3D', 'atoms3Dto2D', 'bonds3Dto2D'] as const;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** qm9like is the training set of the project; until it is built, the shipped druglike set. */
const DATA = existsSync(`${ROOT}public/data/qm9like.bin`) ? 'qm9like' : 'druglike';

/** The parity page's script, built by `vite build` (vite.config.ts) under a hashed name. */
function parityScript(): string {
  const dir = `${ROOT}dist/assets`;
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => /^parity-[\w-]+\.js$/.test(f)) : [];
  if (found.length !== 1) {
    throw new Error(`expected one dist/assets/parity-*.js, found ${found.length === 0 ? 'none' : found.join(', ')}: run \`npx vite build\` first`);
  }
  return `/assets/${found[0]}`;
}

/** The Node side: Dawn in this process, the project's TypeScript and WGSL loaded as the CLI loads them. */
async function nodeSide(): Promise<{ adapter: string; result: ParityResult; withoutUpdate: Map<string, PresetParity['step1']> }> {
  // Playwright's loader compiles the TypeScript; these hooks (app/cli/register.mjs) answer the
  // kernels' `import code from './x.wgsl?raw'` with the file's text, as Vite does.
  register(new URL('../app/cli/register.mjs?hooks', import.meta.url));
  const { createNodeGpuContext, describeAdapter } = await import('../kernels/device');
  const { Engine } = await import('../kernels/engine');
  const { runParity, stepOneWithoutUpdate, PARITY_PRESETS } = await import('./pages/parityRun');
  // Throws WebGPUUnavailableError when Dawn finds no adapter: a failure, never a skip.
  const ctx = await createNodeGpuContext();
  expect(ctx.adapter, 'Node (Dawn) must have a WebGPU adapter').toBeTruthy();
  const engine = new Engine(ctx);
  try {
    const bytes = readFileSync(`${ROOT}public/data/${DATA}.bin`);
    const result = await runParity(engine, bytes, `${DATA}.bin`);
    const withoutUpdate = new Map<string, PresetParity['step1']>();
    for (const preset of PARITY_PRESETS) withoutUpdate.set(preset, await stepOneWithoutUpdate(engine, bytes, `${DATA}.bin`, preset));
    return { adapter: describeAdapter(ctx.info), result, withoutUpdate };
  } finally {
    engine.destroy();
  }
}

test('one pretraining step in Chromium gives the same losses as in Node for the same seed and batch', async ({ page }, testInfo) => {
  test.setTimeout(600_000);
  const script = parityScript();
  // A minimal shell on the preview server's origin, so the page's worker and fetch of
  // /data/NAME.bin are served by the built app.
  await page.route('**/training-parity.html*', (route) =>
    route.fulfill({
      contentType: 'text/html; charset=utf-8',
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Training parity</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"></head><body><script type="module" src="${script}"></script></body></html>`,
    }),
  );
  await page.goto(`/training-parity.html?data=${DATA}`);
  const outcomeP = page
    .waitForFunction(() => (window as unknown as { __parity?: ParityOutcome }).__parity, null, { timeout: 540_000, polling: 1000 })
    .then((h) => h.jsonValue() as Promise<ParityOutcome>);
  // The Node side runs while the browser computes (separate processes).
  const [outcome, node] = await Promise.all([outcomeP, nodeSide()]);

  if (!outcome.ok) throw new Error(`the browser side failed: ${outcome.error}`);
  expect(outcome.adapter, 'Chromium runs WebGPU on SwiftShader here').toMatch(/swiftshader/i);
  const browser = outcome.result;

  // Same data, same batch, same models.
  expect(browser.dataset).toEqual(node.result.dataset);
  expect(browser.indices).toEqual(node.result.indices);
  expect(browser.smiles).toEqual(node.result.smiles);
  expect(browser.numAtoms).toBe(node.result.numAtoms);
  expect(browser.presets.map((p) => [p.preset, p.parameterCount])).toEqual(node.result.presets.map((p) => [p.preset, p.parameterCount]));

  const rows: string[] = [];
  const mismatches: string[] = [];
  const weakUpdates: string[] = [];
  for (const [i, b] of browser.presets.entries()) {
    const n = node.result.presets[i];
    for (const step of ['step0', 'step1'] as const) {
      for (const k of TERMS) {
        const bv = b[step][k];
        const nv = n[step][k];
        const rel = Math.abs(bv - nv) / Math.max(Math.abs(nv), Number.MIN_VALUE);
        rows.push(`${b.preset.padEnd(10)} ${step} ${k.padEnd(13)} chromium ${bv.toPrecision(9).padStart(14)}  node ${nv.toPrecision(9).padStart(14)}  rel ${rel.toExponential(2)}`);
        if (!Number.isFinite(bv) || !Number.isFinite(nv)) mismatches.push(`${b.preset} ${step} ${k}: not finite (chromium ${bv}, node ${nv})`);
        const rtol = step === 'step0' && k === 'contrastive' ? RTOL_NO_DRAWS : RTOL;
        if (Number.isFinite(bv) && Number.isFinite(nv) && Math.abs(bv - nv) > rtol * Math.abs(nv) + ATOL) {
          mismatches.push(`${b.preset} ${step} ${k}: chromium ${bv} vs node ${nv} (rel ${rel.toExponential(2)} > ${rtol})`);
        }
      }
    }
    // The update must matter at this tolerance, or step 1 would not test the Adam step.
    const plain = node.withoutUpdate.get(n.preset)!;
    const moved = Math.abs(n.step1.total - plain.total) / Math.abs(plain.total);
    rows.push(`${b.preset.padEnd(10)} step1 total without the step-0 update (node) ${plain.total.toPrecision(9)}: the update moved it by rel ${moved.toExponential(2)}`);
    if (!(moved > 10 * RTOL)) weakUpdates.push(`${n.preset}: one Adam step moved the step-1 total by only rel ${moved.toExponential(2)}, not over 10 x ${RTOL}`);
  }
  const report =
    `data ${DATA}.bin (${browser.dataset.count} molecules), indices ${browser.indices.join(',')}, ${browser.numAtoms} atoms: ${browser.smiles.join(' ')}\n` +
    `chromium: ${outcome.adapter}, ${outcome.seconds.toFixed(1)} s in the page\nnode: ${node.adapter}\n${rows.join('\n')}`;
  console.log(report);
  await testInfo.attach('training-parity.txt', { body: report, contentType: 'text/plain' });
  expect(mismatches, 'loss terms differ between Chromium and Node beyond the tolerance').toEqual([]);
  expect(weakUpdates, 'the step-1 comparison must be able to see the Adam update').toEqual([]);
});
