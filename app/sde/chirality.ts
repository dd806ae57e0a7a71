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
 * repairs a conformer whose centres are all inverted and leaves a correct one alone. A conformer
 * with some centres right and some wrong (a diastereomer) cannot be repaired this way; it is
 * mirrored only when that strictly reduces the wrong centres.
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
  /** Centres whose label the sampled geometry does not reproduce, before and after the fix. */
  wrongBefore: number;
  wrongAfter: number;
  mirrored: boolean;
}

/** x -> -x for every coordinate (a point reflection: the mirror image, centred where it was). */
export function mirrorInPlace<T extends Float32Array | Float64Array>(positions: T): T {
  for (let i = 0; i < positions.length; i++) positions[i] = -positions[i];
  return positions;
}

/**
 * Checks one conformer [n, 3] of `mol` against the input's tetrahedral centres and mirrors it in
 * place when the mirror image has fewer wrong centres. A molecule without specified centres is
 * returned untouched without any RDKit call.
 */
export function fixConformerChirality(rd: RDKit, mol: ChemMolecule, positions: Float32Array | Float64Array): ChiralityFixOutcome {
  const centres = mol.stereo.atoms.length;
  if (centres === 0) return { centres, wrongBefore: 0, wrongAfter: 0, mirrored: false };
  // Only the centres decide: E/Z bonds are mirror-invariant and would only add equal counts.
  const centresOnly: ChemMolecule = { ...mol, stereo: { atoms: mol.stereo.atoms, bonds: [] } };
  const wrongBefore = chiralityCheck(rd, centresOnly, positions).mismatches.length;
  if (wrongBefore === 0) return { centres, wrongBefore, wrongAfter: 0, mirrored: false };
  const mirrored = mirrorInPlace(positions.slice());
  const wrongMirrored = chiralityCheck(rd, centresOnly, mirrored).mismatches.length;
  if (wrongMirrored >= wrongBefore) return { centres, wrongBefore, wrongAfter: wrongBefore, mirrored: false };
  positions.set(mirrored);
  return { centres, wrongBefore, wrongAfter: wrongMirrored, mirrored: true };
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

/** One line for logs: how many conformers had centres, were mirrored, and stay wrong. */
export function summariseChiralityFix(outcomes: readonly ChiralityFixOutcome[]): string {
  const withCentres = outcomes.filter((o) => o.centres > 0);
  if (withCentres.length === 0) return 'chirality fix: no tetrahedral centres in the input, nothing to check';
  const mirrored = withCentres.filter((o) => o.mirrored).length;
  const wrong = withCentres.filter((o) => o.wrongAfter > 0).length;
  return `chirality fix: mirrored ${mirrored} of ${withCentres.length} conformers with stereocentres; ${wrong} still have a wrong centre`;
}
