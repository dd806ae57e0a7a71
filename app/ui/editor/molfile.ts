/**
 * The editor graph <-> V2000 molblock, the lingua franca with rdkit-js. Atom order is kept both
 * ways, so atom i of the editor is atom i of every molecule, conformer and frame derived from it.
 * The editor's y axis points down (SVG); molfiles' points up, so y is negated. Writing goes through
 * the lab's one molblock writer (app/chem/molfile.ts).
 */
import { writeMolblock } from '../../chem/molfile';
import { type BondOrder, type EdGraph, type EdAtom, type EdBond } from './graph';


export function graphToMolblock(g: EdGraph, title = ''): string {
  if (g.atoms.length > 999 || g.bonds.length > 999) throw new Error(`Molfile V2000 holds at most 999 atoms and bonds (got ${g.atoms.length} atoms, ${g.bonds.length} bonds)`);
  const index = new Map(g.atoms.map((a, i) => [a.id, i]));
  const positions = new Float64Array(g.atoms.length * 3);
  g.atoms.forEach((a, i) => positions.set([a.x, -a.y, 0], i * 3));
  return writeMolblock(
    g.atoms.map((a) => ({ element: a.el, charge: a.charge })),
    g.bonds.map((b) => ({
      a: index.get(b.a)!,
      b: index.get(b.b)!,
      order: b.order,
      // V2000 bond stereo: a wedge/hash on a single bond, "either" (3) on a double bond.
      stereo: b.order === 1 && b.wedge ? b.wedge : b.order === 2 && b.either ? 3 : 0,
    })),
    { positions, dim: '2D', name: title },
  );
}

/** V2000 charge field codes (column 37-39) -> formal charge. */
const OLD_CHARGE: Record<number, number> = { 1: 3, 2: 2, 3: 1, 5: -1, 6: -2, 7: -3 };

/**
 * Reads the first molecule of a V2000 molblock into an editor graph. Hydrogens are dropped (the
 * editor and the models work on heavy atoms). Aromatic bonds (type 4) are an error: pass a
 * Kekulé molblock. Errors name the line.
 */
export function molblockToGraph(text: string): EdGraph {
  const lines = text.replace(/\r/g, '').split('\n');
  const counts = lines[3];
  if (!counts || !/V2000/.test(counts)) throw new Error('Not a V2000 molblock: line 4 has no V2000 counts line');
  const nAtoms = parseInt(counts.slice(0, 3), 10);
  const nBonds = parseInt(counts.slice(3, 6), 10);
  if (!Number.isFinite(nAtoms) || !Number.isFinite(nBonds)) throw new Error(`Bad counts line 4: "${counts}"`);
  if (lines.length < 4 + nAtoms + nBonds) throw new Error(`The molblock declares ${nAtoms} atoms and ${nBonds} bonds but has only ${lines.length} lines`);
  const atoms: EdAtom[] = [];
  const keep = new Map<number, number>(); // file index (1-based) -> editor id
  let nextId = 1;
  for (let i = 0; i < nAtoms; i++) {
    const l = lines[4 + i];
    const x = parseFloat(l.slice(0, 10));
    const y = parseFloat(l.slice(10, 20));
    const el = l.slice(31, 34).trim();
    if (!Number.isFinite(x) || !Number.isFinite(y) || !el) throw new Error(`Bad atom line ${5 + i}: "${l}"`);
    const chgCode = parseInt(l.slice(36, 39), 10) || 0;
    if (el === 'H') continue;
    const id = nextId++;
    keep.set(i + 1, id);
    atoms.push({ id, el, charge: OLD_CHARGE[chgCode] ?? 0, x, y: -y });
  }
  const bonds: EdBond[] = [];
  for (let i = 0; i < nBonds; i++) {
    const l = lines[4 + nAtoms + i];
    const a = parseInt(l.slice(0, 3), 10);
    const b = parseInt(l.slice(3, 6), 10);
    const t = parseInt(l.slice(6, 9), 10);
    if (!(a >= 1 && a <= nAtoms && b >= 1 && b <= nAtoms)) throw new Error(`Bad bond line ${5 + nAtoms + i}: atoms ${a}-${b} out of 1..${nAtoms}`);
    const ia = keep.get(a);
    const ib = keep.get(b);
    if (ia === undefined || ib === undefined) continue; // bond to a hydrogen
    if (t === 4) throw new Error(`Aromatic bond on line ${5 + nAtoms + i}: kekulize the molecule first`);
    if (t < 1 || t > 3) throw new Error(`Unsupported bond type ${t} on line ${5 + nAtoms + i}`);
    const stereo = parseInt(l.slice(9, 12), 10) || 0;
    const bond: EdBond = { id: nextId++, a: ia, b: ib, order: t as BondOrder };
    if (t === 1 && (stereo === 1 || stereo === 6)) bond.wedge = stereo;
    if (t === 2 && stereo === 3) bond.either = true;
    bonds.push(bond);
  }
  let sawChg = false;
  for (let i = 4 + nAtoms + nBonds; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('M  END')) break;
    if (l.startsWith('M  CHG')) {
      // Any M CHG line supersedes every atom-line charge field (CTfile spec).
      if (!sawChg) for (const a of atoms) a.charge = 0;
      sawChg = true;
      const n = parseInt(l.slice(6, 9), 10);
      for (let k = 0; k < n; k++) {
        const idx = parseInt(l.slice(9 + 8 * k, 13 + 8 * k), 10);
        const chg = parseInt(l.slice(13 + 8 * k, 17 + 8 * k), 10);
        const id = keep.get(idx);
        const atom = atoms.find((a) => a.id === id);
        if (atom) atom.charge = chg;
      }
    }
  }
  return { atoms, bonds, nextId };
}
