import { describe, expect, it } from 'vitest';
import { getRDKit, parseMol } from '../../chem/rdkit';
import {
  BOND_LENGTH, EMPTY_GRAPH, addAtom, addOrCycleBond, bondBetween, changeCharge, cycleBond, deleteAtom, growFrom, placeRing, type EdGraph,
} from './graph';
import { graphToMolblock, molblockToGraph } from './molfile';

/** RDKit's canonical SMILES of an editor graph: the chemistry the drawing means. */
async function smilesOf(g: EdGraph): Promise<string> {
  const rd = await getRDKit();
  const m = parseMol(rd, graphToMolblock(g), { removeHs: false });
  try {
    return m.get_smiles();
  } finally {
    m.delete();
  }
}

const dist = (g: EdGraph, a: number, b: number) => {
  const p = g.atoms.find((x) => x.id === a)!;
  const q = g.atoms.find((x) => x.id === b)!;
  return Math.hypot(p.x - q.x, p.y - q.y);
};

describe('editor graph edits', () => {
  it('grows a zig-zag chain at the standard bond length, and the chain is propane', async () => {
    let { graph: g, id: a } = addAtom(EMPTY_GRAPH, 'C', { x: 0, y: 0 });
    const b = growFrom(g, a, 'C');
    const c = growFrom(b.graph, b.id, 'C');
    g = c.graph;
    expect(g.atoms).toHaveLength(3);
    expect(dist(g, a, b.id)).toBeCloseTo(BOND_LENGTH, 6);
    expect(dist(g, b.id, c.id)).toBeCloseTo(BOND_LENGTH, 6);
    // 120° at the middle atom: the ends are sqrt(3) bond lengths apart.
    expect(dist(g, a, c.id)).toBeCloseTo(BOND_LENGTH * Math.sqrt(3), 6);
    expect(await smilesOf(g)).toBe('CCC');
  });

  it('cycles a bond single -> double -> triple -> single', async () => {
    const a = addAtom(EMPTY_GRAPH, 'C', { x: 0, y: 0 });
    const b = addAtom(a.graph, 'C', { x: 1.5, y: 0 });
    let g = addOrCycleBond(b.graph, a.id, b.id);
    const id = g.bonds[0].id;
    expect(await smilesOf(g)).toBe('CC');
    g = cycleBond(g, id);
    expect(await smilesOf(g)).toBe('C=C');
    g = cycleBond(g, id);
    expect(await smilesOf(g)).toBe('C#C');
    g = cycleBond(g, id);
    expect(await smilesOf(g)).toBe('CC');
    // Drawing the same bond again also raises its order rather than duplicating it.
    g = addOrCycleBond(g, b.id, a.id);
    expect(g.bonds).toHaveLength(1);
    expect(g.bonds[0].order).toBe(2);
  });

  it('places a benzene ring, fuses a second one on a bond (naphthalene) and a cyclopentane spiro on an atom', async () => {
    let g = placeRing(EMPTY_GRAPH, 'benzene', { point: { x: 0, y: 0 } });
    expect(g.atoms).toHaveLength(6);
    expect(await smilesOf(g)).toBe('c1ccccc1');
    for (const bd of g.bonds) expect(dist(g, bd.a, bd.b)).toBeCloseTo(BOND_LENGTH, 6);
    g = placeRing(g, 'benzene', { bondId: g.bonds[0].id });
    expect(g.atoms).toHaveLength(10); // two atoms shared
    expect(await smilesOf(g)).toBe('c1ccc2ccccc2c1');
    const spiroAt = g.atoms.find((a) => g.bonds.filter((b) => b.a === a.id || b.b === a.id).length === 2)!;
    const h = placeRing(placeRing(EMPTY_GRAPH, 'cyclohexane', { point: { x: 0, y: 0 } }), 'cyclopentane', { atomId: 1 });
    expect(h.atoms).toHaveLength(10);
    expect(await smilesOf(h)).toBe('C1CCC2(CC1)CCCC2');
    expect(spiroAt).toBeDefined();
  });

  it('charges and deletes atoms with their bonds', async () => {
    const a = addAtom(EMPTY_GRAPH, 'N', { x: 0, y: 0 });
    const b = growFrom(a.graph, a.id, 'C');
    let g = changeCharge(b.graph, a.id, 1);
    expect(await smilesOf(g)).toBe('C[NH3+]');
    g = deleteAtom(g, a.id);
    expect(g.atoms).toHaveLength(1);
    expect(g.bonds).toHaveLength(0);
    expect(bondBetween(g, a.id, b.id)).toBeUndefined();
  });
});

describe('editor molfile', () => {
  it('round-trips atoms, bond orders, charges and wedges through RDKit with the atom order kept', async () => {
    const rd = await getRDKit();
    for (const smiles of ['C[C@H](N)C(=O)O', 'C[N+](C)(C)CC(=O)[O-]', 'c1ccc2ncccc2c1', 'N#CC=CBr']) {
      const m = parseMol(rd, smiles);
      m.set_new_coords(true);
      const block = m.get_molblock(JSON.stringify({ kekulize: true }));
      const canonical = m.get_smiles();
      m.delete();
      const g = molblockToGraph(block);
      expect(await smilesOf(g)).toBe(canonical);
      // Same atom order: element sequence of the graph equals the molblock's.
      const els = block.split('\n').slice(4, 4 + g.atoms.length).map((l) => l.slice(31, 34).trim());
      expect(g.atoms.map((a) => a.el)).toEqual(els);
    }
  });

  it('names the line of a broken molblock', () => {
    expect(() => molblockToGraph('x\ny\nz\n  2  1  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0\n')).toThrow(/2 atoms and 1 bonds but has only/);
    expect(() => molblockToGraph('x\ny\nz\nnot a counts line')).toThrow(/V2000/);
  });
});
