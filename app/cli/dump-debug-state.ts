/**
 * Dumps everything one pretraining step sees and produces, for parity checks against another
 * implementation (e.g. the PyTorch reference):
 *
 *   npm run dump-debug-state -- --out DIR [--preset generative] [--data public/data/qm9like.bin]
 *     [--batch 4 | --indices 0,5,9] [--seed 0] [--step 0] [--weights FILE] [--set path=value ...]
 *
 * DIR/batch.safetensors   the batch: atom features, bonds (both directions) with features, the
 *                         <=4-hop and radius edge lists, coordinates, graph offsets, dense padding
 * DIR/draws.safetensors   the step's random draws: t per graph (both SDEs), the raw normal draws
 *                         for coordinates, X and A, the noise as the losses use it (masked,
 *                         symmetrised), the noised inputs, the two negative permutations
 * DIR/params.safetensors  every parameter and buffer before the step (a weights-only checkpoint)
 * DIR/buffers_after.safetensors  the buffers after the step's forward (BatchNorm running stats)
 * DIR/grads.safetensors   every parameter's gradient of the step's total loss
 * DIR/debug.json          preset, config, seed, step, indices, SMILES, the five loss terms, the RNG
 *                         stream ids and a description of every tensor
 *
 * Dropout is forced off, so the step is a pure function of (weights, batch, draws).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createNodeGpuContext, describeAdapter } from '../../kernels/device';
import { Engine } from '../../kernels/engine';
import { randomNormal } from '../../kernels/ops/rng';
import { permutation } from '../../kernels/reference/random';
import type { Tensor } from '../../kernels/tensor';
import { makeBatch, type Batch } from '../data/batch';
import { parseDataset } from '../data/dataset';
import { uploadBatch } from '../model/batchGpu';
import { resolveConfig, type PresetName } from '../model/config';
import { noisyAdjacency, noisyAtomTypes } from '../model/kernels';
import { MoleculeSDE } from '../model/moleculeSDE';
import { antitheticTimes, hostRng, mixSeed } from '../sde/sde';
import { decodeCheckpoint, encodeCheckpoint, restoreWeights, snapshotWeights } from '../train/checkpoint';
import { LOSS_TERMS } from '../train/health';
import { trainingIndices } from '../train/loops';
import { hostTensor, writeSafetensors, type StTensor } from '../train/safetensors';

/**
 * The RNG streams MoleculeSDE.losses draws from (app/model/moleculeSDE.ts, STREAM and
 * HOST_STREAM): GPU Philox draws use seed mixSeed(seed, step) and these streams; host draws use
 * hostRng(seed, step, stream). Mirrored here because the model keeps them private; if they change
 * there, change them here (the parity check on the dump then catches a mismatch).
 */
const GPU_STREAM = { positions: 1, atomTypes: 2, adjacency: 3 } as const;
const HOST_STREAM = { times2Dto3D: 11, times3Dto2D: 12, perm23: 13, perm32: 14 } as const;

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
  if (config.gin.dropout !== 0 || config.score2Dto3D.dropout !== 0) {
    config.gin.dropout = 0;
    config.score2Dto3D.dropout = 0;
  }
  const model = new MoleculeSDE(e, config, args.seed);
  if (args.weights) restoreWeights(e, model, decodeCheckpoint(readFileSync(args.weights)));

  const batch = makeBatch(dataset, indices);
  const gpu = uploadBatch(e, batch);
  const B = batch.numGraphs;
  const N = batch.numNodes;
  const n = batch.dense.nmax;
  const S = B * n;
  const C = config.numAtomClasses;
  const { seed, step } = args;

  const weights = await snapshotWeights(e, model);

  // The step itself.
  const losses = model.losses(gpu, { seed, step });
  e.backward(losses.total);
  const lossValues = Object.fromEntries(await Promise.all(LOSS_TERMS.map(async (k) => [k, (await e.readF32(losses[k]))[0]] as const)));
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
  e.endStep();

  // The step's random draws, recomputed from (seed, step) exactly as the losses draw them.
  const key = mixSeed(seed, step);
  const t23 = antitheticTimes(B, { seed, step, stream: HOST_STREAM.times2Dto3D }, model.sde2Dto3D.N);
  const t32 = antitheticTimes(B, { seed, step, stream: HOST_STREAM.times3Dto2D }, model.sde3Dto2D.N);
  const zPos = randomNormal(e, [N, 3], key, GPU_STREAM.positions);
  const zX = randomNormal(e, [S, C], key, GPU_STREAM.atomTypes);
  const zA = randomNormal(e, [B, n, n], key, GPU_STREAM.adjacency);
  const perm23 = permutation(N, hostRng(seed, step, HOST_STREAM.perm23));
  const perm32 = permutation(N, hostRng(seed, step, HOST_STREAM.perm32));
  const mean32 = e.fromArray(Float32Array.from(t32, (t) => model.sde3Dto2D.marginalMean(t)), [B]);
  const std32 = e.fromArray(Float32Array.from(t32, (t) => model.sde3Dto2D.marginalStd(t)), [B]);
  const X = noisyAtomTypes(C === 119 ? gpu.classOfSlot119 : gpu.classOfSlot10, zX, gpu.flags, mean32, std32, n, C);
  const A = noisyAdjacency(gpu.adjacency, zA, gpu.flags, mean32, std32);
  const zPosHost = await e.readF32(zPos);
  const posT = new Float32Array(N * 3);
  for (let i = 0; i < N; i++) {
    const t = t23[batch.nodeGraph[i]];
    const m = model.sde2Dto3D.marginalMean(t);
    const s = model.sde2Dto3D.marginalStd(t);
    for (let k = 0; k < 3; k++) posT[3 * i + k] = Math.fround(m * batch.positions[3 * i + k] + s * zPosHost[3 * i + k]);
  }
  const draws = new Map<string, StTensor>([
    ['t_2d_to_3d', f32(t23, [B])],
    ['t_3d_to_2d', f32(t32, [B])],
    ['noise_positions', f32(zPosHost, [N, 3])],
    ['positions_t', f32(posT, [N, 3])],
    ['noise_x_raw', await read(e, zX, [B, n, C])],
    ['noise_a_raw', await read(e, zA, [B, n, n])],
    ['noise_x', await read(e, X.z, [B, n, C])],
    ['noise_a', await read(e, A.z, [B, n, n])],
    ['x_t', await read(e, X.xt, [B, n, C])],
    ['a_t', await read(e, A.at, [B, n, n])],
    ['perm_2d_to_3d', u32(perm23, [N])],
    ['perm_3d_to_2d', u32(perm32, [N])],
  ]);

  // Self-check of the mirrored streams: SchNet and the 3D->2D nets have no dropout or BatchNorm,
  // so their eval-mode outputs on the dumped x_t, a_t, t reproduce the step's X and A losses.
  const check = await recompute3Dto2D(e, model, gpu, draws, t32, lossValues);
  e.endStep();

  mkdirSync(args.out, { recursive: true });
  const meta = { preset: config.preset, seed: String(seed), step: String(step) };
  writeFileSync(join(args.out, 'batch.safetensors'), writeSafetensors(batchTensors(batch), { ...meta, indices: JSON.stringify(indices) }));
  writeFileSync(join(args.out, 'draws.safetensors'), writeSafetensors(draws, meta));
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
    checks: { loss3Dto2DFromDumpedDraws: check },
    rng: {
      gpu: `Philox-4x32-10 normals with seed mixSeed(seed, step) = ${key} and streams ${JSON.stringify(GPU_STREAM)}`,
      host: `hostRng(seed, step, stream) with streams ${JSON.stringify(HOST_STREAM)}`,
    },
    files: {
      'batch.safetensors': 'atom_features [N,9], atom_class [N], node_graph [N], node_offsets [B+1], positions [N,3] (Å, centred), bond_src/dst/features (both directions), extended_src/dst/hops (<=4 hops), radius_src/dst (SchNet pairs), dense_index [N] (graph*nmax+local), dense_node_mask/flags [B,nmax], dense_adjacency [B,nmax,nmax] (bond code, 0 none)',
      'draws.safetensors': 't_2d_to_3d/t_3d_to_2d [B]; noise_positions [N,3] and positions_t = mean(t) x0 + std(t) z; noise_x_raw/noise_a_raw (normal draws); noise_x/noise_a (masked by flags; A symmetrised) and x_t/a_t as the 3D->2D loss uses them; perm_2d_to_3d/perm_3d_to_2d [N] (negative of node i is perm[i])',
      'params.safetensors': 'parameters and buffers before the step (PyTorch-style names)',
      'buffers_after.safetensors': 'buffers after the step (BatchNorm running statistics updated in training mode)',
      'grads.safetensors': 'gradient of the total loss for every parameter (zeros where none flowed; see parametersWithoutGradient)',
    },
  };
  writeFileSync(join(args.out, 'debug.json'), `${JSON.stringify(debug, null, 2)}\n`);
  process.stderr.write(
    `dump-debug-state: ${B} molecules (${N} atoms), losses ${LOSS_TERMS.map((k) => `${k} ${lossValues[k].toPrecision(6)}`).join(', ')}\n` +
      `dump-debug-state: wrote ${args.out}/{batch,draws,params,buffers_after,grads}.safetensors and debug.json\n`,
  );
  e.destroy();
  if (!check.ok) {
    process.stderr.write(
      `dump-debug-state: the 3D->2D losses recomputed from the dumped draws (${check.atoms}, ${check.bonds}) differ from the step's ` +
        `(${lossValues.atoms3Dto2D}, ${lossValues.bonds3Dto2D}): the RNG streams mirrored here no longer match app/model/moleculeSDE.ts\n`,
    );
    process.exitCode = 1;
  }
}

/** The X and A loss terms (METHOD.md §3.6, as MoleculeSDE computes them) from the dumped draws. */
async function recompute3Dto2D(
  e: Engine,
  model: MoleculeSDE,
  gpu: ReturnType<typeof uploadBatch>,
  draws: Map<string, StTensor>,
  t32: Float32Array,
  losses: Record<string, number>,
): Promise<{ atoms: number; bonds: number; relativeError: number; ok: boolean }> {
  const B = gpu.numGraphs;
  const n = gpu.nmax;
  const C = model.config.numAtomClasses;
  const S = B * n;
  const up = (name: string, shape: number[]) => e.fromArray(draws.get(name)!.data, shape);
  const h3 = model.encode3D(gpu, gpu.positions);
  const out = model.out3Dto2D(gpu, h3, up('x_t', [S, C]), up('a_t', [B, n, n]), e.fromArray(t32, [B]));
  const x = await e.readF32(out.x);
  const a = await e.readF32(out.a);
  const zx = draws.get('noise_x')!.data;
  const za = draws.get('noise_a')!.data;
  const paper = model.config.loss3Dto2D === 'paper';
  let atoms = 0;
  let bonds = 0;
  for (let s = 0; s < S; s++) {
    const std = model.sde3Dto2D.marginalStd(t32[Math.floor(s / n)]);
    const w = std ** model.config.annealPower;
    const div = paper ? std : 1;
    for (let c = 0; c < C; c++) atoms += (w * (x[s * C + c] / div - zx[s * C + c]) ** 2) / (S * C);
    for (let j = 0; j < n; j++) bonds += (w * (a[s * n + j] / div - za[s * n + j]) ** 2) / (S * n);
  }
  const relativeError = Math.max(
    Math.abs(atoms - losses.atoms3Dto2D) / Math.max(1e-12, Math.abs(losses.atoms3Dto2D)),
    Math.abs(bonds - losses.bonds3Dto2D) / Math.max(1e-12, Math.abs(losses.bonds3Dto2D)),
  );
  return { atoms, bonds, relativeError, ok: relativeError < 1e-4 };
}

main().catch((err: unknown) => {
  process.stderr.write(`dump-debug-state: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
