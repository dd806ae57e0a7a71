/**
 * Optimal superposition (Kabsch) and symmetry-aware heavy-atom RMSD.
 *
 * Kabsch: with centred P, Q (n x 3) and H = Pᵀ Q = U S Vᵀ, the proper rotation minimising
 * sum |R p_i - q_i|² is R = V diag(1, 1, d) Uᵀ with d = sign(det(V Uᵀ)). The d fix keeps R a
 * rotation, so a mirror image is never "aligned" onto its enantiomer.
 *
 * RMSD between two conformers of one molecule is minimised over the graph's automorphisms
 * (RDKit substructure matches of the molecule onto itself), since equivalent atoms may be
 * labelled differently in the two geometries.
 */
import type { ChemMolecule } from './molecule';
import { toMolblock } from './molfile';
import { ChemError, parseMol, type RDKit } from './rdkit';

type Coords = ArrayLike<number>;
export type Mat3 = [number, number, number, number, number, number, number, number, number]; // row-major

function centred(x: Coords, n: number): Float64Array {
  const out = new Float64Array(n * 3);
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k] += x[i * 3 + k];
  for (let k = 0; k < 3; k++) c[k] /= n;
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) out[i * 3 + k] = x[i * 3 + k] - c[k];
  return out;
}

/** Eigen-decomposition of a symmetric 3x3 matrix by cyclic Jacobi rotations; eigenvalues descending, eigenvectors as columns. */
function symmetricEigen3(a: number[]): { values: number[]; vectors: number[] } {
  const m = a.slice();
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = m[1] * m[1] + m[2] * m[2] + m[5] * m[5];
    if (off < 1e-30 * (m[0] * m[0] + m[4] * m[4] + m[8] * m[8] + 1e-300)) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = m[p * 3 + q];
      if (Math.abs(apq) < 1e-300) continue;
      const theta = (m[q * 3 + q] - m[p * 3 + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        // m <- Jᵀ m J, applied as column then row rotation
        const mkp = m[k * 3 + p];
        const mkq = m[k * 3 + q];
        m[k * 3 + p] = c * mkp - s * mkq;
        m[k * 3 + q] = s * mkp + c * mkq;
      }
      for (let k = 0; k < 3; k++) {
        const mpk = m[p * 3 + k];
        const mqk = m[q * 3 + k];
        m[p * 3 + k] = c * mpk - s * mqk;
        m[q * 3 + k] = s * mpk + c * mqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p];
        const vkq = v[k * 3 + q];
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  const idx = [0, 1, 2].sort((i, j) => m[j * 4] - m[i * 4]);
  return {
    values: idx.map((i) => m[i * 4]),
    vectors: [0, 1, 2].flatMap((r) => idx.map((i) => v[r * 3 + i])),
  };
}

const cross = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm = (a: number[]) => Math.hypot(a[0], a[1], a[2]);

/** Any unit vector orthogonal to unit `a`. */
function orthogonal(a: number[]): number[] {
  const e = Math.abs(a[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
  const c = cross(a, e);
  const l = norm(c);
  return c.map((x) => x / l);
}

/**
 * SVD of a 3x3 matrix H = U S Vᵀ via the eigenvectors of HᵀH; columns of U for (near-)zero
 * singular values (planar or linear point sets) are completed to an orthonormal basis, which the
 * reflection fix then orients.
 */
function svd3(h: number[]): { u: number[][]; s: number[]; v: number[][] } {
  const hth = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) hth[i * 3 + j] += h[k * 3 + i] * h[k * 3 + j];
  const { values, vectors } = symmetricEigen3(hth);
  const v = [0, 1, 2].map((c) => [vectors[c], vectors[3 + c], vectors[6 + c]]);
  const s = values.map((x) => Math.sqrt(Math.max(x, 0)));
  const u: number[][] = [];
  const tiny = 1e-10 * Math.max(s[0], 1e-300);
  for (let c = 0; c < 3; c++) {
    const hv = [0, 1, 2].map((r) => h[r * 3] * v[c][0] + h[r * 3 + 1] * v[c][1] + h[r * 3 + 2] * v[c][2]);
    if (s[c] > tiny) {
      u.push(hv.map((x) => x / s[c]));
    } else if (c === 0) {
      u.push([1, 0, 0]);
    } else if (c === 1) {
      u.push(orthogonal(u[0]));
    } else {
      u.push(cross(u[0], u[1]));
    }
  }
  return { u, s, v };
}

const det3 = (m: number[]) =>
  m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);

/** The proper rotation R (row-major) that best maps centred P onto centred Q. */
export function kabschRotation(p: Float64Array, q: Float64Array, n: number): Mat3 {
  const h = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) h[a * 3 + b] += p[i * 3 + a] * q[i * 3 + b];
  const { u, v } = svd3(h);
  // V Uᵀ, then d = sign(det(V Uᵀ)) flips the last singular direction if it is a reflection.
  const vut = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => v[0][r] * u[0][c] + v[1][r] * u[1][c] + v[2][r] * u[2][c]));
  const d = det3(vut) < 0 ? -1 : 1;
  const dd = [1, 1, d];
  return [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => dd[0] * v[0][r] * u[0][c] + dd[1] * v[1][r] * u[1][c] + dd[2] * v[2][r] * u[2][c])) as Mat3;
}

function checkShapes(p: Coords, q: Coords): number {
  if (p.length !== q.length || p.length % 3 !== 0 || p.length === 0) {
    throw new ChemError(`RMSD needs two non-empty [n x 3] coordinate sets of the same size; got ${p.length} and ${q.length} values`);
  }
  return p.length / 3;
}

/** RMSD after optimal proper superposition, atoms in the same order in both. */
export function alignedRmsd(p: Coords, q: Coords): { rmsd: number; rotation: Mat3 } {
  const n = checkShapes(p, q);
  const pc = centred(p, n);
  const qc = centred(q, n);
  const r = kabschRotation(pc, qc, n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) {
      const rp = r[a * 3] * pc[i * 3] + r[a * 3 + 1] * pc[i * 3 + 1] + r[a * 3 + 2] * pc[i * 3 + 2];
      sum += (rp - qc[i * 3 + a]) ** 2;
    }
  }
  return { rmsd: Math.sqrt(sum / n), rotation: r };
}

/**
 * Graph automorphisms of the molecule as atom permutations (perm[i] = image of atom i), from
 * RDKit's substructure matches of the molecule onto itself (at most `maxMatches`; the identity is
 * always among them).
 */
export function automorphisms(rd: RDKit, mol: ChemMolecule, maxMatches = 1000): number[][] {
  const m = parseMol(rd, toMolblock(mol, undefined), { removeHs: false }, 'molecule');
  try {
    const matches = JSON.parse(m.get_substruct_matches(m, JSON.stringify({ uniquify: false, maxMatches }))) as { atoms: number[] }[];
    const perms = matches.map((x) => x.atoms).filter((p) => p.length === mol.atoms.length);
    const identity = mol.atoms.map((_, i) => i);
    if (!perms.some((p) => p.every((x, i) => x === i))) perms.unshift(identity);
    return perms;
  } finally {
    m.delete();
  }
}

/**
 * Heavy-atom RMSD minimised over automorphisms: min over perm of RMSD(P[perm], Q).
 * P and Q are [n x 3] in the molecule's atom order.
 */
export function symmetricRmsd(p: Coords, q: Coords, perms: readonly number[][]): { rmsd: number; perm: number[] } {
  const n = checkShapes(p, q);
  let best = { rmsd: Number.POSITIVE_INFINITY, perm: [] as number[] };
  const permuted = new Float64Array(n * 3);
  for (const perm of perms) {
    if (perm.length !== n) throw new ChemError(`automorphism has ${perm.length} atoms; coordinates have ${n}`);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) permuted[i * 3 + k] = p[perm[i] * 3 + k];
    const { rmsd } = alignedRmsd(permuted, q);
    if (rmsd < best.rmsd) best = { rmsd, perm: perm.slice() };
  }
  return best;
}

/** RMSD matrix [generated x reference] (row-major), each entry minimised over automorphisms. */
export function rmsdMatrix(generated: readonly Coords[], reference: readonly Coords[], perms: readonly number[][]): Float64Array {
  const out = new Float64Array(generated.length * reference.length);
  generated.forEach((g, i) => reference.forEach((r, j) => (out[i * reference.length + j] = symmetricRmsd(g, r, perms).rmsd)));
  return out;
}
