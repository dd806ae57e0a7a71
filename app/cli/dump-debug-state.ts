/**
 * Dumps everything one pretraining step sees and produces, for parity checks against another
 * implementation (e.g. the PyTorch reference):
 *
 *   npm run dump-debug-state -- --out DIR [--preset generative] [--data public/data/qm9like.bin]
 *     [--batch 4 | --indices 0,5,9] [--seed 0] [--step 0] [--weights FILE] [--set path=value ...]
 *
 * DIR/batch.safetensors        the batch: atom features, bonds (both directions) with features,
 *                              the <=4-hop and radius edge lists, coordinates, graph offsets, dense padding
 * DIR/draws.safetensors        the step's random draws: t per graph (both SDEs), the coordinate
 *                              noise and noised coordinates, the X and A noise as the losses use it
 *                              (masked; A mirrored from its upper triangle), X_t and A_t, the two
 *                              negative permutations
 * DIR/activations.safetensors  H2, H3, eps_hat (2D->3D output), the raw 3D->2D outputs
 * DIR/params.safetensors       every parameter and buffer before the step (a weights-only checkpoint)
 * DIR/buffers_after.safetensors  the buffers after the step (BatchNorm running statistics)
 * DIR/grads.safetensors        every parameter's gradient of the step's total loss
 * DIR/debug.json               preset, config, seed, step, indices, SMILES, the five loss terms,
 *                              a description of every tensor and the self-check below
 *
 * Dropout is forced off, so the step is a pure function of (weights, batch, draws). The draws and
 * activations come from MoleculeSDE.lossesWithIntermediates, the same code path as training.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import type { Tensor } from '../../kernels/tensor';
import { makeBatch, type Batch } from '../data/batch';
import { parseDataset } from '../data/dataset';
import { uploadBatch, type GpuBatch } from '../model/batchGpu';
import { resolveConfig, type PresetName } from '../model/config';
import { noisyAdjacency, noisyAtomTypes } from '../model/kernels';
import { MoleculeSDE } from '../model/moleculeSDE';
import { decodeCheckpoint, encodeCheckpoint, restoreWeights, snapshotWeights } from '../model/checkpoint';
import { LOSS_TERMS } from '../train/health';
import { trainingIndices } from '../train/loops';
import { hostTensor, writeSafetensors, type StTensor } from '../model/safetensors';

const USAGE = `usage: npm run dump-debug-state -- --out DIR [--preset paper|generative] [--data FILE.bin]
       [--batch 4 | --indices i,j,k] [--seed 0] [--step 0] [--weights FILE.safetensors] [--set path=value ...]`;

function fail(message: string): never {
  process.stderr.write(`dump-debug-state: ${message}\n${USAGE}\n`);
  process.exit(2);
}

interface Args {
  out: string;
  preset: PresetName;
  data: string;
  batch: number;
  indices: number[] | null;
  seed: number;
  step: number;
  weights: string | null;
  overrides: Record<string, unknown>;
}

function integer(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) fail(`${flag} needs a non-negative integer, got '${v}'`);
  return n;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { out: '', preset: 'generative', data: 'public/data/qm9like.bin', batch: 4, indices: null, seed: 0, step: 0, weights: null, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case '--out': a.out = value(); break;
      case '--preset': {
        const p = value();
        if (p !== 'paper' && p !== 'generative') fail(`--preset must be 'paper' or 'generative', got '${p}'`);
        a.preset = p;
        break;
      }
      case '--data': a.data = value(); break;
      case '--batch': a.batch = integer(flag, value()); break;
      case '--indices': a.indices = value().split(',').map((s) => integer(flag, s)); break;
      case '--seed': a.seed = integer(flag, value()); break;
      case '--step': a.step = integer(flag, value()); break;
      case '--weights': a.weights = value(); break;
      case '--set': {
        const s = value();
        const eq = s.indexOf('=');
        if (eq <= 0) fail(`--set needs path=value, got '${s}'`);
        const raw = s.slice(eq + 1);
        const v: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
        const path = s.slice(0, eq).split('.');
        let node = a.overrides;
        for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
        node[path[path.length - 1]] = v;
        break;
      }
      case '--help': case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default: fail(`unknown argument '${flag}'`);
    }
  }
  if (!a.out) fail('--out is required');
  if (a.batch < 1) fail('--batch must be positive');
  return a;
}

function u32(data: ArrayLike<number>, shape: number[]): StTensor {
  return hostTensor(Uint32Array.from(data), shape);
}

function f32(data: ArrayLike<number>, shape: number[]): StTensor {
  return hostTensor(Float32Array.from(data), shape);
}

function batchTensors(b: Batch): Map<string, StTensor> {
  const N = b.numNodes;
  const B = b.numGraphs;
  const n = b.dense.nmax;
  return new Map<string, StTensor>([
    ['atom_features', u32(b.atomFeatures, [N, 9])],
    ['atom_class', u32(b.atomClass, [N])],
    ['node_graph', u32(b.nodeGraph, [N])],
    ['node_offsets', u32(b.nodeOffsets, [B + 1])],
    ['positions', f32(b.positions, [N, 3])],
    ['bond_src', u32(b.bondEdges.src, [b.bondEdges.count])],
    ['bond_dst', u32(b.bondEdges.dst, [b.bondEdges.count])],
    ['bond_features', u32(b.bondEdges.features, [b.bondEdges.count, 3])],
    ['extended_src', u32(b.extendedEdges.src, [b.extendedEdges.count])],
    ['extended_dst', u32(b.extendedEdges.dst, [b.extendedEdges.count])],
    ['extended_hops', u32(b.extendedEdges.hops, [b.extendedEdges.count])],
    ['radius_src', u32(b.radiusEdges.src, [b.radiusEdges.count])],
    ['radius_dst', u32(b.radiusEdges.dst, [b.radiusEdges.count])],
    ['dense_index', u32(b.dense.denseIndex, [N])],
    ['dense_node_mask', f32(b.dense.nodeMask, [B, n])],
    ['dense_flags', f32(b.dense.flags, [B, n])],
    ['dense_adjacency', f32(b.dense.adjacency, [B, n, n])],
  ]);
}

async function read(e: Engine, t: Tensor, shape: number[]): Promise<StTensor> {
  return f32(await e.readF32(t), shape);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx = await createNodeGpuContext();
  const e = new Engine(ctx);
  process.stderr.write(`dump-debug-state: adapter ${describeAdapter(ctx.info)}\n`);

  const dataset = parseDataset(readFileSync(args.data), basename(args.data));
  const indices = args.indices ?? Array.from(trainingIndices(dataset).subarray(0, args.batch));
  for (const i of indices) if (i >= dataset.count) fail(`--indices: molecule ${i} is past the ${dataset.count} molecules of ${args.data}`);

  // Dropout off: the step must be a pure function of weights, batch and the dumped draws.
  const config = resolveConfig(args.preset, args.overrides);
  config.gin.dropout = 0;
  config.score2Dto3D.dropout = 0;
  const model = new MoleculeSDE(e, config, args.seed);
  if (args.weights) restoreWeights(e, model, decodeCheckpoint(readFileSync(args.weights)));

  const batch = makeBatch(dataset, indices);
  const gpu = uploadBatch(e, batch);
  const B = batch.numGraphs;
  const N = batch.numNodes;
  const n = batch.dense.nmax;
  const C = config.numAtomClasses;
  const { seed, step } = args;

  const weights = await snapshotWeights(e, model);

  // The step itself, with every random draw and activation the model computed on the way.
  const result = model.lossesWithIntermediates(gpu, { seed, step });
  const mid = result.intermediates;
  e.backward(result.total);
  const lossValues: Record<string, number> = {};
  for (const k of LOSS_TERMS) lossValues[k] = (await e.readF32(result[k]))[0];
  const grads = new Map<string, StTensor>();
  const withoutGrad: string[] = [];
  for (const p of model.parameters()) {
    if (p.tensor.grad) grads.set(p.name, await read(e, p.tensor.grad, [...p.tensor.shape]));
    else {
      withoutGrad.push(p.name);
      grads.set(p.name, f32(new Float32Array(p.tensor.size), [...p.tensor.shape]));
    }
  }
  const buffersAfter = new Map<string, StTensor>();
  for (const b of model.buffers()) buffersAfter.set(b.name, await read(e, b.tensor, [...b.tensor.shape]));

  // X_t and A_t: the noising kernels are idempotent on noise that is already masked (and, for A,
  // mirrored from its upper triangle), so feeding them the step's noise reproduces its inputs.
  const mean32 = e.fromArray(Float32Array.from(mid.t3Dto2D, (t) => model.sde3Dto2D.marginalMean(t)), [B]);
  const std32 = e.fromArray(Float32Array.from(mid.t3Dto2D, (t) => model.sde3Dto2D.marginalStd(t)), [B]);
  const X = noisyAtomTypes(C === 119 ? gpu.classOfSlot119 : gpu.classOfSlot10, mid.zX, gpu.flags, mean32, std32, n, C);
  const A = noisyAdjacency(gpu.adjacency, mid.zA, gpu.flags, mean32, std32);
  const draws = new Map<string, StTensor>([
    ['t_2d_to_3d', f32(mid.t2Dto3D, [B])],
    ['noise_positions', await read(e, mid.z2Dto3D, [N, 3])],
    ['positions_t', await read(e, mid.xt2Dto3D, [N, 3])],
    ['t_3d_to_2d', f32(mid.t3Dto2D, [B])],
    ['noise_x', await read(e, mid.zX, [B, n, C])],
    ['noise_a', await read(e, mid.zA, [B, n, n])],
    ['x_t', await read(e, X.xt, [B, n, C])],
    ['a_t', await read(e, A.at, [B, n, n])],
    ['perm_2d_to_3d', u32(mid.perm23, [N])],
    ['perm_3d_to_2d', u32(mid.perm32, [N])],
  ]);
  const d = config.gin.dim;
  const activations = new Map<string, StTensor>([
    ['h2', await read(e, mid.h2, [N, d])],
    ['h3', await read(e, mid.h3, [N, d])],
    ['eps_hat', await read(e, mid.epsHat, [N, 3])],
    ['out_x', await read(e, mid.outX, [B, n, C])],
    ['out_a', await read(e, mid.outA, [B, n, n])],
  ]);
  e.endStep();

  const check = await checkOutputs(e, model, gpu, draws, activations);
  e.endStep();

  mkdirSync(args.out, { recursive: true });
  const meta = { preset: config.preset, seed: String(seed), step: String(step) };
  writeFileSync(join(args.out, 'batch.safetensors'), writeSafetensors(batchTensors(batch), { ...meta, indices: JSON.stringify(indices) }));
  writeFileSync(join(args.out, 'draws.safetensors'), writeSafetensors(draws, meta));
  writeFileSync(join(args.out, 'activations.safetensors'), writeSafetensors(activations, meta));
  writeFileSync(
    join(args.out, 'params.safetensors'),
    encodeCheckpoint({ preset: config.preset, config: config as unknown as Record<string, unknown>, step, weights, optimizer: null, trainer: null }),
  );
  writeFileSync(join(args.out, 'buffers_after.safetensors'), writeSafetensors(buffersAfter, meta));
  writeFileSync(join(args.out, 'grads.safetensors'), writeSafetensors(grads, meta));
  const debug = {
    adapter: describeAdapter(ctx.info),
    data: args.data,
    preset: config.preset,
    config,
    seed,
    step,
    indices,
    smiles: batch.smiles,
    numGraphs: B,
    numAtoms: N,
    nmax: n,
    parameterCount: model.parameterCount(),
    losses: lossValues,
    parametersWithoutGradient: withoutGrad,
    checks: { outputs3Dto2DFromDumpedInputs: check },
    files: {
      'batch.safetensors':
        'atom_features [N,9], atom_class [N], node_graph [N], node_offsets [B+1], positions [N,3] (Å, centred), bond_src/dst/features (both directions), ' +
        'extended_src/dst/hops (<=4 hops), radius_src/dst (SchNet pairs), dense_index [N] (graph*nmax+local), dense_node_mask/flags [B,nmax], dense_adjacency [B,nmax,nmax] (bond code, 0 none)',
      'draws.safetensors':
        't_2d_to_3d/t_3d_to_2d [B]; noise_positions [N,3] and positions_t = mean(t) x0 + std(t) z; noise_x [B,nmax,C] / noise_a [B,nmax,nmax] ' +
        '(masked by flags; A mirrored from its upper triangle, zero diagonal) and x_t/a_t as the 3D->2D nets see them; ' +
        'perm_2d_to_3d/perm_3d_to_2d [N] (the negative of node i is perm[i])',
      'activations.safetensors': 'h2 [N,d] (GIN, training mode), h3 [N,d] (SchNet), eps_hat [N,3] (2D->3D output), out_x [B,nmax,C] and out_a [B,nmax,nmax] (raw 3D->2D outputs)',
      'params.safetensors': 'parameters and buffers before the step (PyTorch-style names; a weights-only checkpoint)',
      'buffers_after.safetensors': 'buffers after the step (BatchNorm running statistics updated in training mode)',
      'grads.safetensors': 'gradient of the total loss for every parameter (zeros where none flowed; see parametersWithoutGradient)',
    },
  };
  writeFileSync(join(args.out, 'debug.json'), `${JSON.stringify(debug, null, 2)}\n`);
  process.stderr.write(
    `dump-debug-state: ${B} molecules (${N} atoms), losses ${LOSS_TERMS.map((k) => `${k} ${lossValues[k].toPrecision(6)}`).join(', ')}\n` +
      `dump-debug-state: wrote ${args.out}/{batch,draws,activations,params,buffers_after,grads}.safetensors and debug.json\n`,
  );
  e.destroy();
  if (!check.ok) {
    process.stderr.write(`dump-debug-state: the 3D->2D outputs recomputed from the dumped inputs differ from the step's by up to ${check.maxAbsDiff}\n`);
    process.exitCode = 1;
  }
}

/**
 * Self-check of the dumped inputs: SchNet and the 3D->2D nets have no dropout or BatchNorm, so
 * their eval-mode outputs on the dumped x_t, a_t and t must equal the step's own outputs.
 */
async function checkOutputs(
  e: Engine,
  model: MoleculeSDE,
  gpu: GpuBatch,
  draws: Map<string, StTensor>,
  activations: Map<string, StTensor>,
): Promise<{ maxAbsDiff: number; ok: boolean }> {
  const B = gpu.numGraphs;
  const n = gpu.nmax;
  const C = model.config.numAtomClasses;
  const up = (name: string, shape: number[]) => e.fromArray(draws.get(name)!.data, shape);
  const h3 = model.encode3D(gpu, gpu.positions);
  const out = model.out3Dto2D(gpu, h3, up('x_t', [B * n, C]), up('a_t', [B, n, n]), up('t_3d_to_2d', [B]));
  let maxAbsDiff = 0;
  for (const [name, t] of [['out_x', out.x], ['out_a', out.a]] as const) {
    const mine = await e.readF32(t);
    const step = activations.get(name)!.data;
    for (let i = 0; i < mine.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(mine[i] - step[i]));
  }
  return { maxAbsDiff, ok: maxAbsDiff <= 1e-5 };
}

main().catch((err: unknown) => {
  process.stderr.write(`dump-debug-state: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
