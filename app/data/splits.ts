/**
 * Train / valid / test splits: the build's stored split, a seeded random split, and a seeded
 * balanced scaffold split (Bemis-Murcko scaffolds computed at build time and stored per molecule,
 * so molecules that share a scaffold always land in the same part).
 */
import { mulberry32, permutation } from '../../kernels/random';
import type { Dataset } from './dataset';
import { crc32 } from './format';

export interface Split {
  train: Uint32Array;
  valid: Uint32Array;
  test: Uint32Array;
}

export type Fractions = readonly [train: number, valid: number, test: number];
export const DEFAULT_FRACTIONS: Fractions = [0.8, 0.1, 0.1];

export type SplitSpec =
  | { kind: 'stored' }
  | { kind: 'random'; seed: number; fractions?: Fractions }
  | { kind: 'scaffold'; seed: number; fractions?: Fractions };

function checkFractions(f: Fractions): void {
  if (f.length !== 3 || f.some((x) => !(x >= 0)) || Math.abs(f[0] + f[1] + f[2] - 1) > 1e-9) {
    throw new Error(`split fractions ${JSON.stringify(f)} must be three non-negative numbers summing to 1`);
  }
}

/** Sizes of the parts: valid and test are rounded, train takes the rest. */
function partSizes(n: number, f: Fractions): [number, number, number] {
  const valid = Math.round(n * f[1]);
  const test = Math.min(n - valid, Math.round(n * f[2]));
  return [n - valid - test, valid, test];
}

const sorted = (xs: number[]) => Uint32Array.from(xs).sort();

/** A seeded uniform shuffle cut into the three parts; indices ascending inside each part. */
export function randomSplit(count: number, seed: number, fractions: Fractions = DEFAULT_FRACTIONS): Split {
  checkFractions(fractions);
  const perm = permutation(count, mulberry32(seed));
  const [nTrain, nValid] = partSizes(count, fractions);
  return {
    train: perm.slice(0, nTrain).sort(),
    valid: perm.slice(nTrain, nTrain + nValid).sort(),
    test: perm.slice(nTrain + nValid).sort(),
  };
}

/**
 * Balanced scaffold split (chemprop's scaffold_balanced): molecules grouped by scaffold id; groups
 * bigger than half the valid or test target go first (largest first) so a huge scaffold never
 * lands in valid/test, the rest follow in a seeded random order; each group goes to train if it
 * fits, else valid if it fits, else test. Every scaffold lies in exactly one part.
 */
export function scaffoldSplit(scaffoldIds: ArrayLike<number>, seed: number, fractions: Fractions = DEFAULT_FRACTIONS): Split {
  checkFractions(fractions);
  const n = scaffoldIds.length;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const s = scaffoldIds[i];
    let g = groups.get(s);
    if (!g) groups.set(s, (g = []));
    g.push(i);
  }
  const [nTrain, nValid, nTest] = partSizes(n, fractions);
  // Map insertion order is first-appearance order, so the list below is a pure function of the ids.
  const all = [...groups.values()];
  const big = all.filter((g) => g.length > nValid / 2 || g.length > nTest / 2).sort((a, b) => b.length - a.length || a[0] - b[0]);
  const small = all.filter((g) => !(g.length > nValid / 2 || g.length > nTest / 2));
  const order = permutation(small.length, mulberry32(seed));
  const queue = [...big, ...Array.from(order, (k) => small[k])];
  const train: number[] = [], valid: number[] = [], test: number[] = [];
  for (const g of queue) {
    if (train.length + g.length <= nTrain) train.push(...g);
    else if (valid.length + g.length <= nValid) valid.push(...g);
    else test.push(...g);
  }
  return { train: sorted(train), valid: sorted(valid), test: sorted(test) };
}

/**
 * The build's split code of one molecule (tools/build_dataset.py split_of): 0 train, 1 valid,
 * 2 test. `splitSeed` is the build seed + 2 (metadata `seed` + 2).
 */
export function buildSplitCode(splitSeed: number, smiles: string): 0 | 1 | 2 {
  const bucket = crc32(new TextEncoder().encode(`split:${splitSeed}:${smiles}`)) % 10;
  return bucket < 8 ? 0 : bucket === 8 ? 1 : 2;
}

/**
 * The split recorded at build time: bucket = crc32("split:<seed>:<canonical SMILES>") mod 10, with
 * 0-7 train, 8 valid, 9 test, so a molecule's split does not depend on which other molecules are in
 * the file (80/10/10 in expectation, not exactly).
 */
export function storedSplit(dataset: Pick<Dataset, 'splitCodes'>): Split {
  const parts: number[][] = [[], [], []];
  dataset.splitCodes.forEach((c, i) => parts[c].push(i));
  return { train: sorted(parts[0]), valid: sorted(parts[1]), test: sorted(parts[2]) };
}

export function splitDataset(dataset: Pick<Dataset, 'splitCodes' | 'scaffoldIds' | 'count'>, spec: SplitSpec): Split {
  switch (spec.kind) {
    case 'stored':
      return storedSplit(dataset);
    case 'random':
      return randomSplit(dataset.count, spec.seed, spec.fractions);
    case 'scaffold':
      return scaffoldSplit(dataset.scaffoldIds, spec.seed, spec.fractions);
  }
}
