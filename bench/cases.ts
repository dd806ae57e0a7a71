/**
 * The benchmark cases, shared by Node and the page: each is one computation written twice, with
 * our ops and with TensorFlow.js (tf.matMul / tf.gather / tf.unsortedSegmentSum, tfjs's own
 * gradients through tf.grads), on the same seeded inputs. `runCases` times both, checks that they
 * agree, and returns one row per (case, pass).
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Engine } from '../kernels/engine';
import type { Tensor } from '../kernels/tensor';
import { buildCsr } from '../kernels/graph';
import { gatherRows } from '../kernels/ops/gather';
import { segmentSum } from '../kernels/ops/segment';
import { linear } from '../kernels/ops/linear';
import { randomArray, randomGraph, linearInit } from './data';
import { schnetCase } from './schnet';
import {
  PASSES,
  disposeAll,
  errorMessage,
  maxRelDiff,
  oursStep,
  readOurs,
  readTfjs,
  tfjsStep,
  timeInterleaved,
  persistent,
  zeroGrads,
  type BenchCase,
  type CaseResult,
  type Impl,
  type ImplResult,
  type Timing,
  type Pass,
  type Step,
  type Tfjs,
  type TimingOptions,
} from './harness';

// GNN sizes: 4096 nodes (a batch of ~160 drug-like molecules), 64 features, 20k edges.
const NODES = 4096;
const FEATURES = 64;
const EDGES = 20_000;
const SEED = 20231;

function linearCase(): BenchCase {
  const [M, K, N] = [NODES, FEATURES, FEATURES];
  const x = randomArray(M * K, SEED + 1);
  const w = linearInit(N, K, SEED + 2);
  const b = linearInit(N, K, SEED + 3, false);
  const dy = randomArray(M * N, SEED + 4);
  const gemm = 2 * M * K * N;
  return {
    name: 'linear (GEMM + bias)',
    shape: `[${M}, ${K}] x [${N}, ${K}]ᵀ + b`,
    unit: 'GFLOP/s',
    // Forward: x Wᵀ + b. Backward: dX = dY W and dW = dYᵀ X (two more GEMMs) + db column sums.
    work: (pass) => (pass === 'forward' ? gemm + M * N : 3 * gemm + 2 * M * N),
    ours(e) {
      const xt = persistent(e, x, [M, K], 'x', true);
      const wt = persistent(e, w, [N, K], 'weight', true);
      const bt = persistent(e, b, [N], 'bias', true);
      const dyt = persistent(e, dy, [M, N], 'dy');
      const params = [xt, wt, bt];
      return {
        forward: () => e.noGrad(() => [linear(xt, wt, bt)]),
        forwardBackward: () => {
          zeroGrads(e, params);
          e.backward(linear(xt, wt, bt), dyt);
          return params.map((p) => e.gradOf(p));
        },
        dispose: () => disposeAll(e, [...params, dyt]),
      };
    },
    tfjs(tf) {
      const xt = tf.tensor2d(x, [M, K]);
      const wt = tf.tensor2d(w, [N, K]);
      const bt = tf.tensor1d(b);
      const dyt = tf.tensor2d(dy, [M, N]);
      const f = (xi: TF.Tensor, wi: TF.Tensor, bi: TF.Tensor) => tf.fused.matMul({ a: xi as TF.Tensor2D, b: wi as TF.Tensor2D, transposeB: true, bias: bi });
      return {
        forward: () => [f(xt, wt, bt)],
        forwardBackward: () => tf.grads(f)([xt, wt, bt], dyt),
        dispose: () => tf.dispose([xt, wt, bt, dyt]),
      };
    },
  };
}

function gatherCase(): BenchCase {
  const g = randomGraph(NODES, EDGES, SEED + 10);
  const x = randomArray(NODES * FEATURES, SEED + 11);
  const dy = randomArray(EDGES * FEATURES, SEED + 12);
  const [E, N, F] = [EDGES, NODES, FEATURES];
  return {
    name: 'gatherRows',
    shape: `[${N}, ${F}] by ${E} indices -> [${E}, ${F}]`,
    unit: 'GB/s',
    // Least traffic: read the gathered rows and the indices, write the output; the backward reads
    // dY and the indices and writes dX.
    work: (pass) => 4 * (2 * E * F + E) + (pass === 'forward' ? 0 : 4 * (E * F + N * F + E)),
    ours(e) {
      const xt = persistent(e, x, [N, F], 'x', true);
      const index = persistent(e, g.src, [E], 'index');
      const dyt = persistent(e, dy, [E, F], 'dy');
      // The CSR is built once per batch, outside the timed step, as in training.
      const csr = buildCsr(e, g.src, N, { persistent: true, name: 'csrBySrc' });
      return {
        forward: () => e.noGrad(() => [gatherRows(xt, index, csr)]),
        forwardBackward: () => {
          zeroGrads(e, [xt]);
          e.backward(gatherRows(xt, index, csr), dyt);
          return [e.gradOf(xt)];
        },
        dispose: () => disposeAll(e, [xt, index, dyt, csr.offsets, csr.order]),
      };
    },
    tfjs(tf) {
      const xt = tf.tensor2d(x, [N, F]);
      const index = tf.tensor1d(Int32Array.from(g.src), 'int32');
      const dyt = tf.tensor2d(dy, [E, F]);
      const f = (xi: TF.Tensor) => tf.gather(xi, index);
      return {
        forward: () => [f(xt)],
        forwardBackward: () => tf.grads(f)([xt], dyt),
        dispose: () => tf.dispose([xt, index, dyt]),
      };
    },
  };
}

function segmentSumCase(): BenchCase {
  const g = randomGraph(NODES, EDGES, SEED + 20);
  const x = randomArray(EDGES * FEATURES, SEED + 21);
  const dy = randomArray(NODES * FEATURES, SEED + 22);
  const [E, N, F] = [EDGES, NODES, FEATURES];
  return {
    name: 'segmentSum',
    shape: `[${E}, ${F}] into ${N} segments -> [${N}, ${F}]`,
    unit: 'GB/s',
    // Least traffic: read X and the segment ids, write Y; the backward reads dY and the ids, writes dX.
    work: (pass) => 4 * (E * F + N * F + E) + (pass === 'forward' ? 0 : 4 * (N * F + E * F + E)),
    ours(e) {
      const xt = persistent(e, x, [E, F], 'x', true);
      const dyt = persistent(e, dy, [N, F], 'dy');
      const csr = buildCsr(e, g.dst, N, { persistent: true, name: 'csrByDst' });
      return {
        forward: () => e.noGrad(() => [segmentSum(xt, csr)]),
        forwardBackward: () => {
          zeroGrads(e, [xt]);
          e.backward(segmentSum(xt, csr), dyt);
          return [e.gradOf(xt)];
        },
        dispose: () => disposeAll(e, [xt, dyt, csr.offsets, csr.order]),
      };
    },
    tfjs(tf) {
      const xt = tf.tensor2d(x, [E, F]);
      const ids = tf.tensor1d(Int32Array.from(g.dst), 'int32');
      const dyt = tf.tensor2d(dy, [N, F]);
      const f = (xi: TF.Tensor) => tf.unsortedSegmentSum(xi, ids, N);
      return {
        forward: () => [f(xt)],
        forwardBackward: () => tf.grads(f)([xt], dyt),
        dispose: () => tf.dispose([xt, ids, dyt]),
      };
    },
  };
}

export function allCases(): BenchCase[] {
  return [linearCase(), gatherCase(), segmentSumCase(), schnetCase()];
}

export interface RunOptions {
  timing: TimingOptions;
  log: (line: string) => void;
  /** Only cases whose name contains this text (case-insensitive). */
  filter?: string;
}

function implResult(t: Timing | { error: string }, work: number): ImplResult | { error: string } {
  return 'error' in t ? t : { ...t, rate: work / 1e9 / (t.medianMs / 1e3) };
}

/** Runs every case on our engine and, when `tf` is given, on TensorFlow.js's WebGPU backend. */
export async function runCases(e: Engine, tf: Tfjs | null, tfjsError: string | undefined, opts: RunOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const cases = allCases().filter((c) => !opts.filter || c.name.toLowerCase().includes(opts.filter.toLowerCase()));
  for (const c of cases) {
    let ours: Impl<Tensor> | null = null;
    let theirs: Impl<TF.Tensor> | null = null;
    let oursSetupError = '';
    let tfjsSetupError = tfjsError ?? (tf ? '' : 'tfjs not loaded');
    try {
      ours = c.ours(e);
    } catch (err) {
      oursSetupError = errorMessage(err);
    }
    if (tf) {
      try {
        theirs = c.tfjs(tf);
      } catch (err) {
        tfjsSetupError = errorMessage(err);
      }
    }
    for (const pass of PASSES) {
      const row: CaseResult = { name: c.name, shape: c.shape, pass, unit: c.unit, work: c.work(pass), ours: { error: oursSetupError }, tfjs: { error: tfjsSetupError } };
      const pick = <T>(impl: Impl<T>) => (pass === 'forward' ? impl.forward : impl.forwardBackward);
      opts.log(`${c.name}, ${pass}`);
      // Correctness first: both sides on the same inputs must agree before their times mean anything.
      let oursOut: Float32Array[] | null = null;
      let oursOk = false;
      let tfOk = false;
      if (ours) {
        try {
          oursOut = await readOurs(e, pick(ours));
          oursOk = true;
        } catch (err) {
          e.endStep();
          row.ours = { error: errorMessage(err) };
        }
      }
      if (tf && theirs) {
        try {
          const tfOut = await readTfjs(tf, pick(theirs));
          if (oursOut) row.maxRelDiff = maxRelDiff(oursOut, tfOut, `${c.name} ${pass}`);
          tfOk = true;
        } catch (err) {
          row.tfjs = { error: errorMessage(err) };
        }
      }
      const steps: Step[] = [];
      if (oursOk && ours) steps.push(oursStep(e, pick(ours)));
      if (tfOk && tf && theirs) steps.push(tfjsStep(tf, pick(theirs)));
      const timings = await timeInterleaved(steps, opts.timing);
      if (oursOk) row.ours = implResult(timings[0], row.work);
      if (tfOk) row.tfjs = implResult(timings[oursOk ? 1 : 0], row.work);
      results.push(row);
    }
    ours?.dispose();
    theirs?.dispose();
    e.endStep();
  }
  return results;
}
