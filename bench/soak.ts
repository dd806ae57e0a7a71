/**
 * Soak benchmark (not a test): many training steps of a tiny config in Node, logging the engine's
 * buffer-pool bytes every --every steps, to show that memory stays flat over a long run (a leak
 * shows as storage bytes that keep growing after the first steps have seen every batch shape).
 *
 *   nice node --import ./app/cli/register.mjs bench/soak.ts [--steps 10000] [--every 500]
 *     [--batch 4] [--data public/data/qm9like.bin] [--seed 0] [--json soak.json]
 *
 * The tiny config: GIN/SchNet width 16, one interaction, a one-block 2D->3D net and a two-layer
 * 3D->2D net; the losses are read back every 100 steps (as the CLI does every --log-every).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../kernels/device';
import { Engine } from '../kernels/engine';
import { parseDataset } from '../app/data/dataset';
import { Trainer } from '../app/train/loops';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

export const TINY = {
  gin: { numLayers: 2, dim: 16 },
  schnet: { numInteractions: 1, dim: 16, numFilters: 16, numGaussians: 8 },
  score2Dto3D: { hidden: 16, heads: 2, headDim: 8, numBlocks: 1, convsPerBlock: 1, coeffHidden: 16 },
  score3Dto2D: { nfeat: 16, nhid: 8, depthX: 2, adim: 8, heads: 2, cInit: 2, cHid: 4, cFinal: 4, numLayers: 2, numLinears: 2 },
};

async function main(): Promise<void> {
  const steps = Number(arg('steps', '10000'));
  const every = Number(arg('every', '500'));
  const batchSize = Number(arg('batch', '4'));
  const dataPath = arg('data', 'public/data/qm9like.bin');
  const seed = Number(arg('seed', '0'));
  const jsonPath = arg('json', '');
  const ctx = await createNodeGpuContext();
  const engine = new Engine(ctx);
  const dataset = parseDataset(readFileSync(dataPath), basename(dataPath));
  const trainer = Trainer.create(engine, dataset, { preset: 'generative', overrides: TINY, batchSize, seed, logEvery: 100, datasetName: dataset.name });
  console.log(`soak: ${describeAdapter(ctx.info)}; ${trainer.parameterCount()} parameters, batch ${batchSize} of ${dataPath}, ${steps} steps`);
  const rows: { step: number; storageBytes: number; freeStorageBytes: number; uniformBytes: number; heapMB: number; seconds: number }[] = [];
  const t0 = performance.now();
  const record = () => {
    const s = engine.poolStats();
    const row = { step: trainer.steps, ...s, heapMB: Math.round(process.memoryUsage().heapUsed / 1e5) / 10, seconds: Math.round((performance.now() - t0) / 100) / 10 };
    rows.push(row);
    console.log(`step ${row.step}: pool ${(s.storageBytes / 1e6).toFixed(3)} MB (free ${(s.freeStorageBytes / 1e6).toFixed(3)} MB), uniforms ${(s.uniformBytes / 1e3).toFixed(1)} kB, JS heap ${row.heapMB} MB, ${row.seconds} s`);
    if (jsonPath) writeFileSync(jsonPath, JSON.stringify(rows, null, 1));
  };
  record();
  while (trainer.steps < steps) {
    await trainer.step();
    if (trainer.steps % every === 0) {
      await engine.sync();
      record();
    }
  }
  trainer.dispose();
  engine.destroy();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
