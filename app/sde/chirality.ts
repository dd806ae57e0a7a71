/**
 * Chirality correction, a sampler post-processing step (docs/method.md §2.8), ON by default where
 * conformers are handed out (CLI, tab, eval), with a switch to turn it off.
 *
 * Why it is needed: the 2D->3D network is reflection-antisymmetric, so it could place a stereocentre
 * either way, but the only thing that tells it which way is the OGB chirality tag (CW / CCW), whose
 * meaning depends on the order of the centre's neighbours in the input. The GIN is invariant to
 * that order, so the same tag means R at one centre and S at another: the network cannot learn a
 * consistent rule, and the shipped checkpoint keeps the input's R/S in about half of the conformers
 * (chance).
 *
 * The fix is the one conformer generators use (GeoMol, Ganea et al. 2021; ETKDG checks the same
 * thing with signed volumes): after sampling, compare each tetrahedral centre's handedness in the
 * geometry with the input's, and when the mirror image gets more centres right, mirror the
 * conformer (x -> -x). Mirroring keeps every distance, hence every bond length, angle and clash,
 * and it flips every R/S at once (pseudo-asymmetric r/s and E/Z double bonds do not change), so it
 * repairs a conformer whose centres are all inverted and leaves a correct one alone. It is
 * mirrored only when that strictly reduces the wrong centres.
 *
 * A conformer with some centres right and some wrong (a diastereomer) cannot be repaired by a
 * mirror. Second step, per centre: a wrong centre with exactly three heavy neighbours (its fourth
 * substituent is an implicit hydrogen, the common case) is reflected through the plane of those
 * three neighbours. That moves one atom, keeps its three bond lengths and the angles between its
 * bonds, and puts the hydrogen on the other side: the local mirror image, i.e. the centre
 * inverted (the per-centre correction of GeoMol, done on the heavy-atom geometry). It is kept only
 * when the count of wrong centres drops. Centres with four heavy neighbours are left as they are.
 *
 * Third step, E/Z: the same tag problem holds for double bonds less (the bond's E/Z feature is
 * invariant), yet the shipped model keeps E/Z in only ~60% of conformers. A wrong acyclic E/Z bond
 * has one side turned rigidly by 180° about the bond axis (a torsion change: no bond length or
 * angle changes), kept when it lowers the count of wrong stereo elements. Ring double bonds are
 * left alone.
 *
 * Handedness is judged by the lab's chirality metric (chem/metrics.ts: chiralityCheck, RDKit's
 * CIP labels from 3D, i.e. the sign of the signed volume of the CIP-ranked neighbours), so the fix
 * and the evaluation agree on what "right" means.
 */
import { chiralityCheck } from '../chem/metrics';
import type { ChemMolecule } from '../chem/molecule';
import type { RDKit } from '../chem/rdkit';

/** What the fix did to one conformer. */
export interface ChiralityFixOutcome {
  /** Tetrahedral centres (R/S and r/s) the input specifies. */
  centres: number;
  /** E/Z double bonds the input specifies. */
  doubleBonds: number;
  /** Stereo elements (centres and E/Z bonds) the geometry does not reproduce, before and after the fix. */
  wrongBefore: number;
  wrongAfter: number;
  mirrored: boolean;
  /** Centres (atom indices) inverted in place after the mirror step. */
  inverted: number[];
  /** E/Z double bonds (bond indices) turned by 180° after that. */
  turned: number[];
}

/** x -> -x for every coordinate (a point reflection: the mirror image, centred where it was). */
export function mirrorInPlace<T extends Float32Array | Float64Array>(positions: T): T {
  for (let i = 0; i < positions.length; i++) positions[i] = -positions[i];
  return positions;
}

/**
 * Checks one conformer [n, 3] of `mol` against the input's stereo (R/S centres, E/Z bonds) and
 * repairs it in place, each step kept only when it lowers the count of wrong stereo elements:
 * 1. the mirror image (all centres at once; E/Z does not change under a mirror);
 * 2. single centres with three heavy neighbours inverted in place (invertCentre);
 * 3. single acyclic E/Z double bonds turned by 180° (turnDoubleBond).
 * A molecule without specified stereo is returned untouched without any RDKit call.
 */
export function fixConformerChirality(rd: RDKit, mol: ChemMolecule, positions: Float32Array | Float64Array): ChiralityFixOutcome {
  const centres = mol.stereo.atoms.length;
  const doubleBonds = mol.stereo.bonds.length;
  const untouched = { centres, doubleBonds, wrongBefore: 0, wrongAfter: 0, mirrored: false, inverted: [], turned: [] };
  if (centres + doubleBonds === 0) return untouched;
  const wrong = (x: Float32Array | Float64Array) => chiralityCheck(rd, mol, x).mismatches.length;
  const wrongBefore = wrong(positions);
  if (wrongBefore === 0) return untouched;
  let wrongAfter = wrongBefore;
  let mirrored = false;
  const mirror = mirrorInPlace(positions.slice());
  const wrongMirrored = wrong(mirror);
  if (wrongMirrored < wrongBefore) {
    positions.set(mirror);
    wrongAfter = wrongMirrored;
    mirrored = true;
  }
  const inverted: number[] = [];
  for (const { atom } of mol.stereo.atoms) {
    if (wrongAfter === 0) break;
    const trial = positions.slice();
    if (!invertCentre(mol, trial, atom)) continue;
    const w = wrong(trial);
    if (w < wrongAfter) {
      positions.set(trial);
      wrongAfter = w;
      inverted.push(atom);
    }
  }
  const turned: number[] = [];
  for (const { bond } of mol.stereo.bonds) {
    if (wrongAfter === 0) break;
    const trial = positions.slice();
    if (!turnDoubleBond(mol, trial, bond)) continue;
    const w = wrong(trial);
    if (w < wrongAfter) {
      positions.set(trial);
      wrongAfter = w;
      turned.push(bond);
    }
  }
  return { centres, doubleBonds, wrongBefore, wrongAfter, mirrored, inverted, turned };
}

/**
 * Turns one side of double bond `bond` (a=b) by 180° about the a-b axis, in place: every atom
 * reached from b without crossing the bond rotates rigidly, so all bond lengths and angles stay
 * and E becomes Z (a torsion change). False (nothing changed) when the bond is in a ring.
 */
export function turnDoubleBond(mol: ChemMolecule, x: Float32Array | Float64Array, bond: number): boolean {
  const { a, b } = mol.bonds[bond];
  const nb: number[][] = mol.atoms.map(() => []);
  for (const e of mol.bonds) {
    nb[e.a].push(e.b);
    nb[e.b].push(e.a);
  }
  const side = new Set<number>([b]);
  const stack = [b];
  while (stack.length) {
    const u = stack.pop()!;
    for (const w of nb[u]) {
      if ((u === b && w === a) || side.has(w)) continue;
      if (w === a) return false; // a ring through the bond: no side to turn
      side.add(w);
      stack.push(w);
    }
  }
  const pa = [x[3 * a], x[3 * a + 1], x[3 * a + 2]];
  const axis = [0, 1, 2].map((k) => x[3 * b + k] - pa[k]);
  const len = Math.hypot(...axis);
  if (!(len > 1e-6)) return false;
  const u = axis.map((v) => v / len);
  for (const i of side) {
    // 180° about the axis: v -> 2 (u.v) u - v, with v relative to a.
    const v = [0, 1, 2].map((k) => x[3 * i + k] - pa[k]);
    const along = v[0] * u[0] + v[1] * u[1] + v[2] * u[2];
    for (let k = 0; k < 3; k++) x[3 * i + k] = pa[k] + 2 * along * u[k] - v[k];
  }
  return true;
}

/**
 * Reflects atom `centre` through the plane of its three heavy neighbours, in place. False (and
 * nothing changed) when it does not have exactly three or they are collinear.
 */
export function invertCentre(mol: ChemMolecule, x: Float32Array | Float64Array, centre: number): boolean {
  const nb = mol.bonds.filter((b) => b.a === centre || b.b === centre).map((b) => (b.a === centre ? b.b : b.a));
  if (nb.length !== 3) return false;
  const p = (i: number) => [x[3 * i], x[3 * i + 1], x[3 * i + 2]];
  const [a, b, c] = nb.map(p);
  const u = [0, 1, 2].map((k) => b[k] - a[k]);
  const v = [0, 1, 2].map((k) => c[k] - a[k]);
  const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
  const len = Math.hypot(...n);
  if (!(len > 1e-6)) return false;
  const q = p(centre);
  const h = ((q[0] - a[0]) * n[0] + (q[1] - a[1]) * n[1] + (q[2] - a[2]) * n[2]) / len;
  for (let k = 0; k < 3; k++) x[3 * centre + k] = q[k] - (2 * h * n[k]) / len;
  return true;
}

/** The SDF data item of one conformer: kept, mirrored, and any centres inverted (1-based atoms). */
export function describeChiralityFix(o: ChiralityFixOutcome): string {
  const parts = [o.mirrored ? 'mirrored' : 'kept'];
  if (o.inverted.length) parts.push(`inverted centre${o.inverted.length > 1 ? 's' : ''} ${o.inverted.map((a) => a + 1).join(' ')}`);
  if (o.turned.length) parts.push(`turned double bond${o.turned.length > 1 ? 's' : ''} ${o.turned.map((b) => b + 1).join(' ')}`);
  return parts.join(', ');
}

/**
 * The fix over a batch of conformers: conformer g occupies rows nodeOffsets[g] .. nodeOffsets[g+1]
 * of `positions` and is a conformer of molecules[g]. Positions are changed in place (each
 * conformer stays centred: mirroring a centred conformer keeps its centre at the origin).
 */
export function fixBatchChirality(
  rd: RDKit, molecules: readonly ChemMolecule[], positions: Float32Array, nodeOffsets: ArrayLike<number>,
): ChiralityFixOutcome[] {
  if (nodeOffsets.length !== molecules.length + 1) {
    throw new Error(`fixBatchChirality: ${molecules.length} molecules but ${nodeOffsets.length - 1} conformers`);
  }
  return molecules.map((mol, g) => {
    const [a, b] = [nodeOffsets[g], nodeOffsets[g + 1]];
    if (b - a !== mol.atoms.length) throw new Error(`fixBatchChirality: conformer ${g} has ${b - a} atoms, ${mol.smiles} has ${mol.atoms.length}`);
    return fixConformerChirality(rd, mol, positions.subarray(3 * a, 3 * b));
  });
}

/** One line for logs: how many conformers had centres, were mirrored or had centres inverted, and stay wrong. */
export function summariseChiralityFix(outcomes: readonly ChiralityFixOutcome[]): string {
  const withStereo = outcomes.filter((o) => o.centres + o.doubleBonds > 0);
  if (withStereo.length === 0) return 'chirality fix: no stereocentres or E/Z bonds in the input, nothing to check';
  const mirrored = withStereo.filter((o) => o.mirrored).length;
  const inverted = withStereo.filter((o) => o.inverted.length > 0).length;
  const turned = withStereo.filter((o) => o.turned.length > 0).length;
  const wrong = withStereo.filter((o) => o.wrongAfter > 0).length;
  return `chirality fix: of ${withStereo.length} conformers with stereo, mirrored ${mirrored}, inverted single centres in ${inverted}, turned double bonds in ${turned}; ${wrong} still wrong`;
}
