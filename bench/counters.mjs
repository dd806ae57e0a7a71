/**
 * Preloaded by bench/step.ts (`node --import <tree>/app/cli/register.mjs --import bench/counters.mjs
 * <tree>/app/cli/sample.ts ...`) into a CLI of either source tree: counts the Engine's dispatches
 * and buffer clears and prints them on exit as `counters: dispatches N clears M`.
 *
 * It patches Engine.prototype of the tree in BENCH_ROOT (the same module instance the CLI imports),
 * so the count needs nothing from the tree beyond `dispatch` and `fill`, which every release has.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const root = process.env.BENCH_ROOT;
if (!root) throw new Error('bench/counters.mjs: BENCH_ROOT (the source tree) is not set');
const { Engine } = await import(pathToFileURL(join(root, 'kernels/engine.ts')).href);
const counts = { dispatches: 0, clears: 0 };
const { dispatch, fill } = Engine.prototype;
Engine.prototype.dispatch = function (spec) {
  const [x, y = 1, z = 1] = spec.workgroups;
  if (x > 0 && y > 0 && z > 0) counts.dispatches++;
  return dispatch.call(this, spec);
};
Engine.prototype.fill = function (t, value) {
  counts.clears++;
  return fill.call(this, t, value);
};
process.on('exit', () => {
  process.stderr.write(`\ncounters: dispatches ${counts.dispatches} clears ${counts.clears}\n`);
});
