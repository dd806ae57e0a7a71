/**
 * Where does a MoleculeSDE pretraining step spend its time? Builds the Trainer on a real data set
 * (default: generative preset, batch 16 of public/data/druglike.bin), times whole steps, then
 * profiles one step with Engine.startProfile (a timestamp query around every dispatch) and prints
 * the top dispatch labels by GPU time, with counts and host encode time.
 *
 *   node --import ./app/cli/register.mjs bench/profileStep.ts [--data FILE] [--batch 16]
 *     [--preset generative|paper] [--steps 3] [--profiles 3] [--top 30] [--seed 0]
 *
 * Dawn quantises timestamps unless its `timestamp_quantization` toggle is off, so we turn it off.
 * The profiled step runs each dispatch in its own compute pass, so its GPU total is a little above
 * an unprofiled step; compare labels with each other, and use the "step" line for wall time.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createGpuContext, describeAdapter } from '../kernels/device';
import { Engine, type ProfileReport } from '../kernels/engine';
import { parseDataset } from '../app/data/dataset';
import { Trainer } from '../app/train/loops';
import type { PresetName } from '../app/model/config';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const dataPath = arg('data', 'public/data/druglike.bin');
  const batchSize = Number(arg('batch', '16'));
  const preset = arg('preset', 'generative') as PresetName;
  const steps = Number(arg('steps', '3'));
  const top = Number(arg('top', '30'));
  const seed = Number(arg('seed', '0'));

  const moduleName = 'webgpu';
  const dawn = (await import(moduleName)) as { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, dawn.globals);
  const ctx = await createGpuContext({ gpu: dawn.create(['disable-dawn-features=timestamp_quantization']) });
  console.log(`adapter: ${describeAdapter(ctx.info)}`);
  const engine = new Engine(ctx);
  const dataset = parseDataset(readFileSync(dataPath), basename(dataPath));
  // logEvery past the run: no loss readback inside the timed steps.
  const trainer = Trainer.create(engine, dataset, { preset, batchSize, seed, logEvery: 1000, datasetName: dataset.name });
  console.log(`${preset} preset, batch ${batchSize} of ${dataPath}, ${trainer.parameterCount()} parameters`);

  // Warm-up: pipelines compile and the buffer pool fills on the first step.
  const w0 = performance.now();
  await trainer.step();
  await engine.sync();
  console.log(`first step (compiles pipelines): ${(performance.now() - w0).toFixed(0)} ms`);

  const times: number[] = [];
  let dispatches = 0;
  for (let s = 0; s < steps; s++) {
    const d0 = engine.dispatchCount;
    const t0 = performance.now();
    await trainer.step();
    const encoded = performance.now() - t0;
    await engine.sync();
    const t = performance.now() - t0;
    dispatches = engine.dispatchCount - d0;
    times.push(t);
    console.log(`step ${s}: ${t.toFixed(0)} ms (host encode ${encoded.toFixed(0)} ms), ${dispatches} dispatches`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`step: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms over ${steps} steps`);

  // Several profiled steps; per label keep the least GPU time (other processes share the CPUs of a
  // software adapter, and contention only ever adds time).
  const profiles = Number(arg('profiles', '3'));
  let report: ProfileReport | null = null;
  for (let k = 0; k < profiles; k++) {
    engine.startProfile();
    await trainer.step();
    const r = await engine.stopProfile();
    if (!report) {
      report = r;
      continue;
    }
    const min = new Map(report.rows.map((row) => [row.label, row]));
    for (const row of r.rows) {
      const m = min.get(row.label);
      if (m && row.gpuMs < m.gpuMs) {
        m.gpuMs = row.gpuMs;
        m.encodeMs = row.encodeMs;
      }
    }
  }
  if (!report) throw new Error('profileStep: --profiles must be at least 1');
  report.rows.sort((a, b) => b.gpuMs - a.gpuMs);
  report.gpuMs = report.rows.reduce((s, r) => s + r.gpuMs, 0);
  console.log(
    `\nprofiled step (per label the least of ${profiles} profiled steps): ${report.dispatches} dispatches, ${report.clears} buffer clears, ${report.copies} buffer copies, ` +
      `GPU time in dispatches ${report.gpuMs.toFixed(0)} ms`,
  );
  const family = new Map<string, { ms: number; n: number }>();
  for (const r of report.rows) {
    const f = r.label.split(/[ .(+]/)[0];
    const v = family.get(f) ?? { ms: 0, n: 0 };
    v.ms += r.gpuMs;
    v.n += r.count;
    family.set(f, v);
  }
  console.log('\nby op family:');
  console.log('   GPU ms      %  count  family');
  for (const [f, v] of [...family].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`${v.ms.toFixed(1).padStart(8)} ${((100 * v.ms) / report.gpuMs).toFixed(1).padStart(6)} ${String(v.n).padStart(6)}  ${f}`);
  }
  console.log(`\ntop ${top} labels (op entryPoint):`);
  console.log('   GPU ms      %  count  encode ms  label');
  for (const r of report.rows.slice(0, top)) {
    console.log(
      `${r.gpuMs.toFixed(1).padStart(8)} ${((100 * r.gpuMs) / report.gpuMs).toFixed(1).padStart(6)} ${String(r.count).padStart(6)} ${r.encodeMs.toFixed(1).padStart(10)}  ${r.label}`,
    );
  }
  const encodeTotal = report.rows.reduce((s, r) => s + r.encodeMs, 0);
  console.log(`host time inside dispatch() for the profiled step: ${encodeTotal.toFixed(0)} ms`);
  trainer.dispose();
  engine.destroy();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
