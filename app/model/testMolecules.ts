/**
 * Hand-written tiny molecules for model tests (no SMILES, no data set): chains with an optional
 * ring closure over C/N/O, plausible OGB features and a centred 3D geometry with 1.5 Å bonds.
 * Deterministic from a seed.
 */
import type { BatchMolecule } from '../data/batch';
import { hostRng } from '../../kernels/random';

export function tinyMolecules(count: number, seed: number, minAtoms = 3, maxAtoms = 8): BatchMolecule[] {
  const r = hostRng(seed, 0, 77);
  const mols: BatchMolecule[] = [];
  for (let m = 0; m < count; m++) {
    const n = minAtoms + Math.floor(r() * (maxAtoms - minAtoms + 1));
    const bonds: number[] = [];
    const bondFeatures: number[] = [];
    for (let i = 1; i < n; i++) {
      bonds.push(i - 1, i);
      // Mostly single bonds, some double; stereo none; conjugated when double.
      const type = r() < 0.25 ? 1 : 0;
      bondFeatures.push(type, 0, type === 1 ? 1 : 0);
    }
    const ring = n >= 5 && r() < 0.5;
    if (ring) {
      bonds.push(0, n - 1);
      bondFeatures.push(3, 0, 1);
    }
    const degree = new Array<number>(n).fill(0);
    for (let b = 0; b < bonds.length; b += 2) {
      degree[bonds[b]]++;
      degree[bonds[b + 1]]++;
    }
    const atomFeatures: number[] = [];
    for (let i = 0; i < n; i++) {
      const z = r() < 0.7 ? 5 : r() < 0.5 ? 6 : 7; // C, N, O as atomic number - 1
      const valence = z === 5 ? 4 : z === 6 ? 3 : 2;
      const hs = Math.max(0, valence - degree[i]);
      // atomic number, chirality, degree, charge (+5), total H, radicals, hybridisation SP3, aromatic, in ring
      atomFeatures.push(z, 0, Math.min(degree[i] + hs, 11), 5, Math.min(hs, 9), 0, 2, ring ? 1 : 0, ring ? 1 : 0);
    }
    // Geometry: a ring on a circle, or a zig-zag chain with random torsions; then centred.
    const pos = new Float32Array(3 * n);
    if (ring) {
      const radius = 1.5 / (2 * Math.sin(Math.PI / n));
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * i) / n;
        pos.set([radius * Math.cos(a), radius * Math.sin(a), 0.2 * (r() - 0.5)], 3 * i);
      }
    } else {
      let dir = [1, 0, 0];
      for (let i = 1; i < n; i++) {
        const v = [dir[0] + 0.9 * (r() - 0.5), dir[1] + 0.9 * (r() - 0.5) + (i % 2 ? 0.6 : -0.6), dir[2] + 0.9 * (r() - 0.5)];
        const len = Math.hypot(v[0], v[1], v[2]);
        dir = v.map((c) => c / len);
        for (let k = 0; k < 3; k++) pos[3 * i + k] = pos[3 * (i - 1) + k] + 1.5 * dir[k];
      }
    }
    for (let k = 0; k < 3; k++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += pos[3 * i + k];
      for (let i = 0; i < n; i++) pos[3 * i + k] -= c / n;
    }
    mols.push({ smiles: `tiny-${m}`, numAtoms: n, atomFeatures, bonds, bondFeatures, positions: pos });
  }
  return mols;
}
