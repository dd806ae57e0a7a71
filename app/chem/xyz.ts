/**
 * XYZ files: atoms and coordinates only. Connectivity is *perceived* from distances with the lab's
 * bond rule (bondRule.ts) and is labelled as such (`bondsPerceived: true`); bond orders are not in the file. When
 * the hydrogens are there, `xyzToMolecule` assigns bond orders from valences and lets RDKit
 * sanitise the result into the molecule model.
 */
import { distanceBonds } from './bondRule';
import { allowedValences, atomicNumberOf, symbolOf } from './elements';
import type { FileError } from './io';
import { DEFAULT_LIMITS, moleculeFromRDKitMol, type ChemMolecule, type MoleculeLimits } from './molecule';
import { writeMolblock } from './molfile';
import { ChemError, guardRDKit, isRetired, parseMol, type RDKit } from './rdkit';

/**
 * Largest |coordinate| (Å) the readers accept: no molecule spans 1e5 Å, and a float32 position
 * beyond that has lost the precision a bond length needs (1e39 would even become Infinity).
 */
export const MAX_FILE_COORDINATE = 1e5;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal coordinate within MAX_FILE_COORDINATE, or NaN (so "0x1", "Infinity", "1e39" are refused). */
export function parseCoordinate(text: string): number {
  if (!DECIMAL.test(text)) return Number.NaN;
  const v = Number(text);
  return Math.abs(v) <= MAX_FILE_COORDINATE ? v : Number.NaN;
}

export interface XyzFrame {
  /** 1-based frame number and the file line of its count line. */
  frame: number;
  line: number;
  comment: string;
  atomicNumbers: number[];
  elements: string[];
  /** [n x 3] in Å, every atom of the file (hydrogens included). */
  positions: Float32Array;
  /** Connectivity perceived from distances; not read from the file. */
  perceivedBonds: { a: number; b: number }[];
  bondsPerceived: true;
}

export interface XyzResult {
  frames: XyzFrame[];
  errors: FileError[];
}

/** Connectivity by the lab's bond rule (bondRule.ts: d < 1.2 (r_a + r_b)). */
export function perceiveBonds(atomicNumbers: readonly number[], positions: ArrayLike<number>): { a: number; b: number }[] {
  return distanceBonds(atomicNumbers, positions).map(([a, b]) => ({ a, b }));
}

/**
 * Read one or more XYZ frames. A bad count line or a short frame ends the parse (the frames after
 * it cannot be located), and is reported with its line; the good frames before it are returned.
 */
export function readXyz(text: string): XyzResult {
  const lines = text.split(/\r?\n/);
  const result: XyzResult = { frames: [], errors: [] };
  let k = 0;
  let frame = 0;
  while (k < lines.length) {
    if (lines[k].trim() === '') {
      k++;
      continue;
    }
    frame++;
    const countLine = k;
    const fail = (line: number, reason: string) =>
      result.errors.push({ record: frame, line: line + 1, reason: `XYZ frame ${frame}, line ${line + 1}: ${reason}` });
    const count = lines[k].trim();
    if (!/^\d+$/.test(count) || Number(count) === 0) {
      fail(k, `expected the number of atoms (a positive integer), got "${count.slice(0, 40)}"`);
      break;
    }
    const n = Number(count);
    // Frames end at the last non-blank line of the file at the latest.
    let last = lines.length - 1;
    while (last > countLine && lines[last].trim() === '') last--;
    if (countLine + 1 + n > last) {
      const found = Math.max(0, last - countLine - 1);
      fail(last, `the count line says ${n} atoms but the file ends after ${found} atom line${found === 1 ? '' : 's'}`);
      break;
    }
    const comment = lines[countLine + 1] ?? '';
    const atomicNumbers: number[] = [];
    const positions = new Float32Array(n * 3);
    let bad = false;
    for (let a = 0; a < n; a++) {
      const li = countLine + 2 + a;
      const parts = (lines[li] ?? '').trim().split(/\s+/);
      const z = /^\d+$/.test(parts[0] ?? '') ? Number(parts[0]) : atomicNumberOf(parts[0] ?? '');
      const xyz = parts.slice(1, 4).map(parseCoordinate);
      if (parts.length < 4 || xyz.some((v) => !Number.isFinite(v))) {
        fail(li, `expected "element x y z" (decimal coordinates within ${MAX_FILE_COORDINATE} Å) for atom ${a + 1} of ${n}, got "${(lines[li] ?? '').trim().slice(0, 60)}"`);
        bad = true;
        break;
      }
      if (z < 1 || z > 118) {
        fail(li, `unknown element "${parts[0]}" for atom ${a + 1}`);
        bad = true;
        break;
      }
      atomicNumbers.push(z);
      positions.set(xyz, a * 3);
    }
    if (bad) break;
    let perceivedBonds: { a: number; b: number }[];
    try {
      perceivedBonds = perceiveBonds(atomicNumbers, positions);
    } catch (e) {
      fail(countLine, (e as Error).message);
      break;
    }
    result.frames.push({
      frame,
      line: countLine + 1,
      comment,
      atomicNumbers,
      elements: atomicNumbers.map(symbolOf),
      positions,
      perceivedBonds,
      bondsPerceived: true,
    });
    k = countLine + 2 + n;
  }
  if (result.frames.length === 0 && result.errors.length === 0) {
    result.errors.push({ record: 0, line: 1, reason: 'the XYZ file holds no frames' });
  }
  return result;
}

/** Heavy atoms of the model with its (or the given) positions, as one XYZ frame. */
export function writeXyz(mol: ChemMolecule, positions: Float32Array | undefined = mol.positions, comment = mol.smiles): string {
  if (!positions) throw new ChemError(`writeXyz: ${mol.smiles} has no 3D positions`);
  if (positions.length !== mol.atoms.length * 3) {
    throw new ChemError(`writeXyz: positions have ${positions.length} values; expected ${mol.atoms.length * 3}`);
  }
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i])) throw new ChemError(`writeXyz: coordinate ${positions[i]} of atom ${Math.floor(i / 3) + 1} is not finite; cannot write it`);
    if (Math.abs(positions[i]) > MAX_FILE_COORDINATE) throw new ChemError(`writeXyz: coordinate ${positions[i].toExponential(3)} Å of atom ${Math.floor(i / 3) + 1} is beyond ${MAX_FILE_COORDINATE} Å; cannot write it`);
  }
  const rows = mol.atoms.map((a, i) =>
    `${a.element.padEnd(2)} ${[0, 1, 2].map((c) => positions[i * 3 + c].toFixed(6).padStart(12)).join(' ')}`,
  );
  return `${mol.atoms.length}\n${comment.replace(/[\r\n]/g, ' ')}\n${rows.join('\n')}\n`;
}

/**
 * Bond orders for perceived connectivity with explicit hydrogens: every atom takes its smallest
 * neutral valence that covers its neighbours, and the missing units become double/triple bonds
 * between unsaturated neighbours (depth-first search). Charged groups (nitro, zwitterions) have
 * no neutral assignment and are refused with the atom that is left over.
 */
function assignBondOrders(z: number[], bonds: { a: number; b: number }[]): number[] {
  const n = z.length;
  const bondsOf: number[][] = Array.from({ length: n }, () => []);
  bonds.forEach((b, i) => {
    bondsOf[b.a].push(i);
    bondsOf[b.b].push(i);
  });
  const remaining = z.map((zi, i) => {
    if (zi === 1) {
      if (bondsOf[i].length !== 1) throw new ChemError(`hydrogen ${i + 1} has ${bondsOf[i].length} neighbours within bonding distance`);
      return 0;
    }
    const deg = bondsOf[i].length;
    const v = allowedValences(zi, 0).find((x) => x >= deg);
    if (v === undefined) throw new ChemError(`atom ${symbolOf(zi)}${i + 1} has ${deg} neighbours within bonding distance, more than its valence allows`);
    return v - deg;
  });
  const orders = bonds.map(() => 1);
  let visits = 0;
  const search = (): boolean => {
    if (++visits > 200_000) throw new ChemError('bond-order assignment did not finish (too many alternatives)');
    const i = remaining.findIndex((r) => r > 0);
    if (i < 0) return true;
    for (const bi of bondsOf[i]) {
      const b = bonds[bi];
      const j = b.a === i ? b.b : b.a;
      if (remaining[j] <= 0 || orders[bi] >= 3) continue;
      orders[bi]++;
      remaining[i]--;
      remaining[j]--;
      if (search()) return true;
      orders[bi]--;
      remaining[i]++;
      remaining[j]++;
    }
    return false;
  };
  if (!search()) {
    const left = remaining.map((r, i) => (r > 0 ? `${symbolOf(z[i])}${i + 1}` : '')).filter(Boolean);
    throw new ChemError(`no neutral bond-order assignment: ${left.join(', ')} keep unpaired valence (charged groups are not supported)`);
  }
  return orders;
}

/** An XYZ frame with hydrogens to the heavy-atom model (graph from geometry, positions kept). */
export function xyzToMolecule(rd: RDKit, frame: XyzFrame, limits: MoleculeLimits = DEFAULT_LIMITS): ChemMolecule {
  const what = `XYZ frame ${frame.frame}`;
  if (!frame.atomicNumbers.includes(1)) {
    throw new ChemError(`${what} has no hydrogens: bond orders cannot be assigned from heavy-atom geometry alone`);
  }
  let orders: number[];
  try {
    orders = assignBondOrders(frame.atomicNumbers, frame.perceivedBonds);
  } catch (e) {
    throw new ChemError(`${what}: ${(e as Error).message}`);
  }
  const molblock = writeMolblock(
    frame.atomicNumbers.map((zi) => ({ element: symbolOf(zi) })),
    frame.perceivedBonds.map((b, i) => ({ a: b.a, b: b.b, order: orders[i] })),
    { positions: frame.positions, name: frame.comment },
  );
  const mol = parseMol(rd, molblock, { removeHs: true }, what);
  try {
    return guardRDKit(rd, () => moleculeFromRDKitMol(mol, limits, what));
  } finally {
    if (!isRetired(rd)) mol.delete();
  }
}
