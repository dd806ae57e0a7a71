/**
 * Judging and exporting sampled conformers on the main thread with app/chem: per conformer the
 * bond-length and bond-angle errors against the 2D graph, steric clashes, whether the input's
 * CIP labels survive, and the RMSD to a reference geometry when one exists; XYZ export (the SDF
 * comes from the worker, which writes it).
 * Loaded lazily with rdkit-js.
 */
import { automorphisms, symmetricRmsd } from '../../chem/align';
import { readMolblock } from '../../chem/io';
import { bondAngleDeviation, bondLengthDeviation, chiralityCheck, clashes } from '../../chem/metrics';
import type { ChemMolecule } from '../../chem/molecule';
import { writeXyz } from '../../chem/xyz';
import { chem } from './bridge';

export interface ConformerMetrics {
  bondErrorMean: number;
  bondErrorMax: number;
  angleErrorMean: number;
  clashes: number;
  /** null when the molecule has no stereo elements. */
  chiralityKept: boolean | null;
  chiralityNote: string;
  /** Heavy-atom RMSD (Å) to the reference after alignment and automorphism search, if any. */
  rmsd: number | null;
  finite: boolean;
}

export interface ReferenceGeometry {
  /** [atoms x 3] Å in the sampled molecule's atom order. */
  positions: Float32Array;
  source: string;
}

const LIMITS = { maxHeavyAtoms: 255, elements: ['B', 'C', 'N', 'O', 'F', 'Si', 'P', 'S', 'Cl', 'Br', 'I', 'Se', 'As'] };

export async function moleculeOf(molblock: string): Promise<ChemMolecule> {
  const rd = await chem();
  return readMolblock(rd, molblock, LIMITS, 'sampled molecule');
}

function slice(all: Float32Array, atoms: number, i: number): Float32Array {
  return all.subarray(i * atoms * 3, (i + 1) * atoms * 3);
}

export async function judgeConformers(molblock: string, positions: Float32Array, count: number, reference: ReferenceGeometry | null): Promise<ConformerMetrics[]> {
  const rd = await chem();
  const mol = await moleculeOf(molblock);
  const n = mol.atoms.length;
  if (positions.length !== count * n * 3) throw new Error(`metrics: ${positions.length} coordinates for ${count} conformers of ${n} atoms`);
  const perms = reference ? automorphisms(rd, mol) : [];
  const out: ConformerMetrics[] = [];
  for (let i = 0; i < count; i++) {
    const x = slice(positions, n, i);
    const finite = x.every(Number.isFinite);
    if (!finite) {
      out.push({ bondErrorMean: NaN, bondErrorMax: NaN, angleErrorMean: NaN, clashes: NaN, chiralityKept: null, chiralityNote: 'coordinates are not finite', rmsd: null, finite });
      continue;
    }
    const bonds = bondLengthDeviation(mol, x);
    const angles = bondAngleDeviation(mol, x);
    const hasStereo = mol.stereo.atoms.length + mol.stereo.bonds.length > 0;
    let chiralityKept: boolean | null = null;
    let chiralityNote = 'no stereocentres or stereo bonds';
    if (hasStereo) {
      try {
        const c = chiralityCheck(rd, mol, x);
        chiralityKept = c.ok;
        chiralityNote = c.ok ? 'every CIP label reproduced' : c.mismatches.join('; ');
      } catch (e) {
        chiralityNote = `could not check: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    out.push({
      bondErrorMean: bonds.meanAbs,
      bondErrorMax: bonds.maxAbs,
      angleErrorMean: angles.meanAbs,
      clashes: clashes(mol, x).count,
      chiralityKept,
      chiralityNote,
      rmsd: reference ? symmetricRmsd(x, reference.positions, perms).rmsd : null,
      finite,
    });
  }
  return out;
}

/** All conformers as a multi-frame XYZ file (heavy atoms). */
export async function conformersToXyz(molblock: string, positions: Float32Array, count: number, comment: (i: number) => string): Promise<string> {
  const mol = await moleculeOf(molblock);
  const n = mol.atoms.length;
  return Array.from({ length: count }, (_, i) => writeXyz(mol, slice(positions, n, i), comment(i))).join('');
}

/** One conformer's trajectory (every streamed frame) as a multi-frame XYZ file. */
export async function trajectoryToXyz(molblock: string, frames: { step: number; positions: Float32Array }[], sample: number): Promise<string> {
  const mol = await moleculeOf(molblock);
  const n = mol.atoms.length;
  return frames.map((f) => writeXyz(mol, slice(f.positions, n, sample), `${mol.smiles} conformer ${sample + 1} step ${f.step}`)).join('');
}
