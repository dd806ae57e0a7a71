/**
 * Per-atom and per-frame quantities of a recorded sampling trajectory, for the 2D->3D tab's
 * trajectory view (app/ui/three/TrajectoryViewer.tsx): how far each atom moved since the previous
 * recorded frame, how large the network's score is on each atom, and how far a frame's bond
 * lengths are from the graph's expected ones. Pure functions over host arrays.
 */
import { bondLengthDeviation, clashes } from '../chem/metrics';
import type { ChemMolecule } from '../chem/molecule';

/**
 * Per-atom Euclidean norms of an [atoms x 3] block (e.g. the score s_theta(x_t, t) of each atom).
 * `values` is [rows x 3]; returns [rows].
 */
export function rowNorms3(values: ArrayLike<number>): Float32Array {
  if (values.length % 3 !== 0) throw new Error(`rowNorms3: ${values.length} values are not rows of 3`);
  const out = new Float32Array(values.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.hypot(values[3 * i], values[3 * i + 1], values[3 * i + 2]);
  return out;
}

/**
 * Per-atom step size |x_i(f) - x_i(f-1)| (Å) of conformer `sample` between two recorded frames,
 * each frame centred on its own mean first so a drift of the whole molecule is not counted as
 * motion. Frames are [count x atoms x 3], sample-major. The frames are `stride` sampler steps
 * apart, so this is the displacement over those steps, not one step's.
 */
export function atomStepSizes(previous: ArrayLike<number>, current: ArrayLike<number>, atoms: number, sample: number): Float32Array {
  const off = sample * atoms * 3;
  if (atoms < 1 || off + atoms * 3 > Math.min(previous.length, current.length)) {
    throw new Error(`atomStepSizes: conformer ${sample} of ${atoms} atoms is outside frames of ${previous.length} / ${current.length} values`);
  }
  const centre = (x: ArrayLike<number>) =>
    [0, 1, 2].map((c) => {
      let m = 0;
      for (let i = 0; i < atoms; i++) m += x[off + 3 * i + c];
      return m / atoms;
    });
  const cp = centre(previous);
  const cc = centre(current);
  const out = new Float32Array(atoms);
  for (let i = 0; i < atoms; i++) {
    const d = [0, 1, 2].map((c) => current[off + 3 * i + c] - cc[c] - (previous[off + 3 * i + c] - cp[c]));
    out[i] = Math.hypot(d[0], d[1], d[2]);
  }
  return out;
}

export interface FrameBondError {
  /** Median and max over the graph's bonds of |d_ij - expected bond length| (Å). */
  median: number;
  max: number;
  bonds: number;
  /** Non-bonded heavy-atom pairs closer than 2 Å (app/chem/metrics.ts clashes). */
  clashes: number;
}

/** One frame's bond-length error against the graph (app/chem/metrics.ts) and its clash count. */
export function frameBondError(mol: ChemMolecule, x: ArrayLike<number>): FrameBondError {
  const dev = bondLengthDeviation(mol, x);
  const errors = dev.items.map((it) => Math.abs(it.actual - it.expected)).sort((a, b) => a - b);
  const n = errors.length;
  const median = n === 0 ? 0 : n % 2 ? errors[(n - 1) / 2] : 0.5 * (errors[n / 2 - 1] + errors[n / 2]);
  return { median, max: dev.maxAbs, bonds: n, clashes: clashes(mol, x).count };
}
