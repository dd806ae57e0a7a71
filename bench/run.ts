/**
 * `npm run bench`: our kernels next to TensorFlow.js's WebGPU backend, first in Node (Dawn), then
 * in headless Chromium (SwiftShader); prints one table per environment.
 *
 *   npm run bench [-- --node-only | --chromium-only] [--filter=<case name part>] [--iterations=N] [--json=<file>]
 *   npm run bench -- --step [...]     training step and sampling vs the previous release (bench/step.ts)
 *
 * Works under `tsx bench/run.ts` and `node --import ./app/cli/register.mjs bench/run.ts`: the
 * kernels import their WGSL as `./x.wgsl?raw`, which tsx alone cannot load, so this entry adds
 * app/cli/register.mjs's '?raw' hooks itself before it imports any kernel.
 */
import { register } from 'node:module';
import { writeFile } from 'node:fs/promises';
import type { EnvironmentResult, TimingOptions } from './harness';

register('../app/cli/register.mjs?hooks', import.meta.url);

// `--step`: the training-step and sampling comparison with the previous release (bench/step.ts).
if (process.argv.includes('--step')) {
  await import('./step');
  process.exit(0);
}

const { formatEnvironment } = await import('./table');
const { errorMessage } = await import('./harness');

function argValue(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const iterations = Number(argValue('iterations') ?? 15);
if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`bench: --iterations must be a positive integer, got ${argValue('iterations')}`);
// Small counts on purpose: the whole run stays within about four minutes on a 2-core CPU adapter,
// where one tfjs unsortedSegmentSum on SwiftShader takes seconds. The correctness check before the
// timing already runs each side once (pipeline compiles, buffer pools), then one more warm-up round.
const timing: TimingOptions = { warmup: 1, iterations, minIterations: Math.min(3, iterations), budgetMs: 2500 };
const filter = argValue('filter');
const log = (line: string) => console.error(`[bench] ${line}`);
const environments: EnvironmentResult[] = [];
let failed = false;

if (!process.argv.includes('--chromium-only')) {
  const { runNode } = await import('./node');
  try {
    environments.push(await runNode({ timing, log, filter }));
  } catch (err) {
    failed = true;
    console.error(`[bench] Node run failed: ${errorMessage(err)}`);
  }
}
if (!process.argv.includes('--node-only')) {
  const { runChromium } = await import('./chromium');
  try {
    environments.push(await runChromium({ timing, log, filter }));
  } catch (err) {
    failed = true;
    console.error(`[bench] Chromium run failed: ${errorMessage(err)}`);
  }
}

console.log('\n## Ours vs TensorFlow.js (WebGPU backend) on the same adapter\n');
console.log('tfjs / ours > 1: ours is faster. Rates: GFLOP/s or GB/s at the median time.\n');
for (const env of environments) console.log(formatEnvironment(env));
const jsonPath = argValue('json');
if (jsonPath) await writeFile(jsonPath, JSON.stringify(environments, null, 2));
// Dawn keeps the event loop alive in some versions; the results are printed, so leave now.
process.exit(failed ? 1 : 0);
