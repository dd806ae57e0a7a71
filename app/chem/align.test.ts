/**
 * Kabsch with the reflection fix and symmetry-aware RMSD: known rotations give RMSD ~0, a mirror
 * image of a chiral geometry does not, planar sets (degenerate SVD) still align, and relabelled
 * symmetric molecules reach ~0 only through automorphisms.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignedRmsd, automorphisms, rmsdMatrix, symmetricRmsd } from './align';
import { readSdf, readSmiles } from './io';
import type { ChemMolecule } from './molecule';
import { getRDKit, type RDKit } from './rdkit';
import { mulberry32 } from '../../kernels/random';

let rd: RDKit;
let conformers: ChemMolecule[];
beforeAll(async () => {
  rd = await getRDKit();
  conformers = readSdf(rd, readFileSync(new URL('./fixtures/conformers.sdf', import.meta.url), 'utf8')).molecules.map((m) => m.molecule);
});

/** Rotation about a unit axis by angle (Rodrigues), row-major. */
function rotation(axis: number[], angle: number): number[] {
  const l = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / l);
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const C = 1 - c;
  return [c + x * x * C, x * y * C - z * s, x * z * C + y * s, y * x * C + z * s, c + y * y * C, y * z * C - x * s, z * x * C - y * s, z * y * C + x * s, c + z * z * C];
}

function transform(p: ArrayLike<number>, r: number[], t: number[]): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length / 3; i++) {
    for (let a = 0; a < 3; a++) out[i * 3 + a] = r[a * 3] * p[i * 3] + r[a * 3 + 1] * p[i * 3 + 1] + r[a * 3 + 2] * p[i * 3 + 2] + t[a];
  }
  return out;
}

const mirror = (p: ArrayLike<number>) => Float64Array.from(p, (v, i) => (i % 3 === 2 ? -v : v));
const permute = (p: ArrayLike<number>, perm: number[]) => Float64Array.from({ length: p.length }, (_, k) => p[perm[Math.floor(k / 3)] * 3 + (k % 3)]);

describe('Kabsch', () => {
  it('recovers known rotations and translations (RMSD ~0, R = the rotation)', () => {
    const rand = mulberry32(1234);
    for (let trial = 0; trial < 20; trial++) {
      const p = Float64Array.from({ length: 3 * 12 }, () => rand() * 6 - 3);
      const r = rotation([rand() - 0.5, rand() - 0.5, rand() - 0.5], rand() * 2 * Math.PI);
      const q = transform(p, r, [rand() * 10, -rand() * 10, rand()]);
      const res = alignedRmsd(p, q);
      expect(res.rmsd).toBeLessThan(1e-9);
      res.rotation.forEach((v, k) => expect(v).toBeCloseTo(r[k], 9));
    }
  });

  it('adds noise of known size: RMSD equals the noise RMSD to first order', () => {
    const rand = mulberry32(99);
    const p = Float64Array.from({ length: 3 * 200 }, () => rand() * 10 - 5);
    // Noise of exactly 0.1 Å per atom, along alternating axes, with zero mean and no net torque to first order.
    const q = Float64Array.from(p);
    for (let i = 0; i < 200; i++) q[i * 3 + (i % 3)] += i % 2 === 0 ? 0.1 : -0.1;
    expect(alignedRmsd(p, q).rmsd).toBeLessThanOrEqual(0.1 + 1e-12);
    expect(alignedRmsd(p, q).rmsd).toBeGreaterThan(0.095);
  });

  it('a mirror image of a chiral geometry is not a match; of a planar one it is', () => {
    const ala = conformers[0];
    const p = ala.positions!;
    const rotatedMirror = transform(mirror(p), rotation([1, 2, 3], 0.7), [1, 1, 1]);
    expect(alignedRmsd(rotatedMirror, p).rmsd).toBeGreaterThan(0.3);
    const benzene = conformers[2].positions!;
    // Benzene is planar: its mirror image is a proper rotation of it (degenerate third singular value).
    const flat = transform(benzene, rotation([0.3, -0.2, 1], 1.1), [0, 0, 0]);
    expect(alignedRmsd(mirror(flat), benzene).rmsd).toBeLessThan(0.02);
  });

  it('collinear points (two zero singular values) still align', () => {
    const p = Float64Array.from([0, 0, 0, 1.2, 0, 0, 2.5, 0, 0, 3.6, 0, 0]);
    const q = transform(p, rotation([1, 1, 0], 2), [3, 4, 5]);
    expect(alignedRmsd(p, q).rmsd).toBeLessThan(1e-9);
  });

  it('rejects mismatched shapes', () => {
    expect(() => alignedRmsd([0, 0, 0], [0, 0, 0, 1, 1, 1])).toThrow(/same size; got 3 and 6/);
  });
});

describe('symmetry-aware RMSD', () => {
  it('benzene has 12 automorphisms; a relabelled copy is RMSD ~0 with them', () => {
    const benzene = conformers[2];
    const perms = automorphisms(rd, benzene);
    expect(perms).toHaveLength(12);
    const relabelled = permute(benzene.positions!, [3, 2, 1, 0, 5, 4]);
    expect(symmetricRmsd(relabelled, benzene.positions!, perms).rmsd).toBeLessThan(1e-5);
    // A relabelling that is not an automorphism cannot be undone.
    const scrambled = permute(benzene.positions!, [0, 2, 1, 3, 4, 5]);
    expect(symmetricRmsd(scrambled, benzene.positions!, perms).rmsd).toBeGreaterThan(0.3);
  });

  it('tert-butanol: swapping two methyls is improper, so only automorphisms undo it', () => {
    const tbu = conformers[1]; // atoms: C0 C1(central) C2 C3 O4; methyls 0, 2, 3
    const perms = automorphisms(rd, tbu);
    expect(perms).toHaveLength(6); // the 3! permutations of the methyls
    const swapped = permute(tbu.positions!, [2, 1, 0, 3, 4]);
    expect(alignedRmsd(swapped, tbu.positions!).rmsd).toBeGreaterThan(0.3);
    const best = symmetricRmsd(swapped, tbu.positions!, perms);
    expect(best.rmsd).toBeLessThan(1e-5);
    expect(best.perm).toEqual([2, 1, 0, 3, 4]);
  });

  it('automorphisms of an asymmetric molecule are the identity only; L-alanine vs its mirror stays apart', () => {
    const ala = conformers[0];
    const perms = automorphisms(rd, ala);
    expect(perms).toEqual([[0, 1, 2, 3, 4, 5]]);
    const m = rmsdMatrix([ala.positions!, mirror(ala.positions!)], [ala.positions!], perms);
    expect(m[0]).toBeLessThan(1e-6);
    expect(m[1]).toBeGreaterThan(0.3);
  });

  it('automorphisms come from the graph: acetic acid has none beyond identity, isobutane six', () => {
    expect(automorphisms(rd, readSmiles(rd, 'CC(=O)O'))).toHaveLength(1);
    expect(automorphisms(rd, readSmiles(rd, 'CC(C)C'))).toHaveLength(6);
  });
});
