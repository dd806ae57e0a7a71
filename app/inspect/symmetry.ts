/**
 * The live symmetry check of the 2D->3D score network (the paper's core claim, shown on the user's
 * own molecule and GPU): for one molecule and a seeded random noisy geometry x, it runs the network
 * f = eps_hat on transformed inputs and reports relative errors.
 *
 *   rotation     ||f(Rx) - R f(x)|| / ||f(x)||, R a random rotation: SE(3)-equivariance, expect ~0
 *   reflection   Q = R' diag(1, -1, 1) a random improper rotation (det -1). The e2 part of every
 *                edge frame (e2 ∝ x_i × x_j) is a pseudo-vector, e1 and e3 are vectors, so
 *                f_e2(Qx) = -Q f_e2(x) and f_e13(Qx) = Q f_e13(x) (both expect ~0), while the full
 *                output is NOT reflection-equivariant (expect clearly > 0: it tells enantiomers apart)
 *   permutation  f(πx) on the renumbered molecule vs π f(x): expect ~0
 *
 * The geometry is centred (the network reads absolute positions; it is translation-equivariant only
 * through centring, which the samplers do). Everything random flows from `seed`.
 */
import type { Engine } from '../../kernels/engine';
import { makeBatch, type BatchMolecule } from '../data/batch';
import { uploadBatch } from '../model/batchGpu';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { mulberry32, permutation, randnArray } from '../../kernels/random';

export type Mat3 = [[number, number, number], [number, number, number], [number, number, number]];

/** A uniformly random rotation (det +1) from a normalised Gaussian quaternion. */
export function randomRotation(rng: () => number): Mat3 {
  const q = randnArray(4, rng);
  const n = Math.hypot(...q);
  const [a, b, c, d] = Array.from(q, (v) => v / n);
  return [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d],
  ];
}

export function matMul(A: Mat3, B: Mat3): Mat3 {
  const C = [[0, 0, 0], [0, 0, 0], [0, 0, 0]] as Mat3;
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) C[r][c] = A[r][0] * B[0][c] + A[r][1] * B[1][c] + A[r][2] * B[2][c];
  return C;
}

export function det3(M: Mat3): number {
  return M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
}

/** M applied to every row of x [n, 3], times `sign`. */
export function applyMat(M: Mat3, x: ArrayLike<number>, sign = 1): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length / 3; i++) {
    for (let r = 0; r < 3; r++) y[3 * i + r] = sign * (M[r][0] * x[3 * i] + M[r][1] * x[3 * i + 1] + M[r][2] * x[3 * i + 2]);
  }
  return y;
}

/** ||a - b|| / ||b|| in float64 (0 when both are 0). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relativeError: ${a.length} vs ${b.length} values`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
}

/** The molecule renumbered: its atom i becomes atom perm[i] (features, bonds and positions). */
export function permuteMolecule(m: BatchMolecule, perm: ArrayLike<number>): BatchMolecule {
  const n = m.numAtoms;
  if (perm.length !== n) throw new Error(`permuteMolecule: a permutation of ${perm.length} for ${n} atoms`);
  const atomFeatures = new Array<number>(n * 9);
  for (let i = 0; i < n; i++) for (let f = 0; f < 9; f++) atomFeatures[9 * perm[i] + f] = m.atomFeatures[9 * i + f];
  const positions = m.positions ? permuteRows(m.positions, perm) : undefined;
  return { ...m, atomFeatures, positions, bonds: Array.from(m.bonds, (a) => perm[a]), baselinePositions: undefined };
}

/** Rows of x [n, 3] moved: row i goes to row perm[i]. */
export function permuteRows(x: ArrayLike<number>, perm: ArrayLike<number>): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < perm.length; i++) for (let c = 0; c < 3; c++) y[3 * perm[i] + c] = x[3 * i + c];
  return y;
}

export interface SymmetryCheck {
  /** Relative error; `expected` says what a correct network gives. */
  error: number;
  expected: 'zero' | 'nonzero';
}

export interface SymmetryReport {
  atoms: number;
  seed: number;
  /** Diffusion time and the noise level std(t) the network was evaluated at. */
  t: number;
  sigma: number;
  /** ||f(x)|| / sqrt(atoms): the output is not trivially zero. */
  outputRms: number;
  rotation: SymmetryCheck;
  reflectionE2: SymmetryCheck;
  reflectionE13: SymmetryCheck;
  reflectionFull: SymmetryCheck;
  permutation: SymmetryCheck;
  rotationMatrix: Mat3;
  reflectionMatrix: Mat3;
  permutationOrder: number[];
}

/** Below this relative error a float32 network counts as exactly symmetric. */
export const SYMMETRY_TOLERANCE = 1e-4;

/**
 * Runs the checks on the GPU. `molecule` needs its 2D graph only (any positions are replaced by
 * the random geometry). Ends the engine step: call it under the worker's GPU lock.
 */
export async function checkSymmetry(engine: Engine, model: MoleculeSDE, molecule: BatchMolecule, seed: number): Promise<SymmetryReport> {
  const n = molecule.numAtoms;
  if (n < 2) throw new Error(`symmetry check: the molecule needs at least 2 heavy atoms, it has ${n}`);
  const rng = mulberry32(seed >>> 0);
  // The time and the geometry: a centred Gaussian cloud of about the molecule's size plus noise.
  const t = 0.05 + 0.9 * rng();
  const sigma = model.sde2Dto3D.marginalStd(t);
  const spread = 1.2 * Math.cbrt(n) + sigma;
  const x = Float32Array.from(randnArray(3 * n, rng, spread));
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[3 * i + c] / n;
    for (let i = 0; i < n; i++) x[3 * i + c] -= mean;
  }
  const R = randomRotation(rng);
  const Q = matMul(randomRotation(rng), [[1, 0, 0], [0, -1, 0], [0, 0, 1]]);
  const perm = permutation(n, rng);

  const base = { ...molecule, positions: x, baselinePositions: undefined };
  const evaluate = async (mol: BatchMolecule, pos: Float32Array, comps?: readonly [number, number, number]) => {
    const host = makeBatch([mol], { positions: 'none', radius: false });
    const gpu = uploadBatch(engine, host);
    const out = await engine.readF32(model.eps2Dto3D(gpu, model.encode2D(gpu), engine.fromArray(pos, [n, 3]), engine.fromArray([t], [1]), t, comps));
    engine.endStep();
    return out;
  };
  const E2: [number, number, number] = [0, 1, 0];
  const E13: [number, number, number] = [1, 0, 1];

  const f = await evaluate(base, x);
  const fR = await evaluate(base, applyMat(R, x));
  const qx = applyMat(Q, x);
  const fQ = await evaluate(base, qx);
  const f2 = await evaluate(base, x, E2);
  const f2Q = await evaluate(base, qx, E2);
  const f13 = await evaluate(base, x, E13);
  const f13Q = await evaluate(base, qx, E13);
  const fP = await evaluate(permuteMolecule(base, perm), permuteRows(x, perm));

  let sq = 0;
  for (const v of f) sq += v * v;
  return {
    atoms: n,
    seed,
    t,
    sigma,
    outputRms: Math.sqrt(sq / n),
    rotation: { error: relativeError(fR, applyMat(R, f)), expected: 'zero' },
    reflectionE2: { error: relativeError(f2Q, applyMat(Q, f2, -1)), expected: 'zero' },
    reflectionE13: { error: relativeError(f13Q, applyMat(Q, f13)), expected: 'zero' },
    reflectionFull: { error: relativeError(fQ, applyMat(Q, f)), expected: 'nonzero' },
    permutation: { error: relativeError(fP, permuteRows(f, perm)), expected: 'zero' },
    rotationMatrix: R,
    reflectionMatrix: Q,
    permutationOrder: Array.from(perm),
  };
}
