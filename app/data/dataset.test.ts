import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDataset, type Dataset } from './dataset';
import { HEADER_BYTES, RECORD_BYTES, crc32, layoutOf } from './format';
import { writeDataset, type MoleculeInput } from './write';

const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url);
const pythonBytes = () => new Uint8Array(readFileSync(fixture('tiny.bin')));
const expected = JSON.parse(readFileSync(fixture('tiny.json'), 'utf8'));

/** Recomputes the payload CRC after a deliberate edit, so the check under test is the one that fires. */
function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(56, crc32(bytes.subarray(HEADER_BYTES)), true);
  return bytes;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

function toInputs(ds: Dataset): MoleculeInput[] {
  return Array.from({ length: ds.count }, (_, i) => {
    const m = ds.molecule(i);
    return { ...m, baselinePositions: m.baselinePositions ?? [] };
  });
}

describe('parseDataset on the Python-written fixture', () => {
  const ds = parseDataset(pythonBytes().buffer, 'tiny.bin');

  it('decodes every field the Python side recorded', () => {
    expect(ds.count).toBe(expected.molecules.length);
    expect(ds.numScaffolds).toBe(expected.numScaffolds);
    expect(ds.meta.name).toBe('tiny-fixture');
    expect(ds.meta.labelNames).toEqual(['gap', 'dipole', 'energy']);
    expected.molecules.forEach((want: Record<string, unknown>, i: number) => {
      const m = ds.molecule(i);
      expect(m.smiles).toBe(want.smiles);
      expect(m.numAtoms).toBe(want.numAtoms);
      expect(Array.from(m.atomFeatures)).toEqual(want.atomFeatures);
      expect(Array.from(m.bonds)).toEqual(want.bonds);
      expect(Array.from(m.bondFeatures)).toEqual(want.bondFeatures);
      expect(Array.from(m.positions)).toEqual(want.positions);
      expect(Array.from(m.labels)).toEqual(want.labels);
      expect(m.split).toBe(want.split);
      expect(m.scaffoldId).toBe(want.scaffoldId);
      expect(m.source).toBe(want.source);
      const base = (want.baselinePositions as number[][]);
      expect((m.baselinePositions ?? []).map((c) => Array.from(c))).toEqual(base);
    });
  });

  it('has centred positions and a lone atom without bonds', () => {
    for (let i = 0; i < ds.count; i++) {
      const m = ds.molecule(i);
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let a = 0; a < m.numAtoms; a++) s += m.positions[3 * a + c];
        expect(Math.abs(s / m.numAtoms)).toBeLessThan(1e-5);
      }
    }
    expect(ds.molecule(0).numBonds).toBe(0);
  });

  it('the TS writer reproduces the Python bytes exactly', () => {
    const again = writeDataset(toInputs(ds), { meta: sortKeys(ds.meta) as never, numScaffolds: ds.numScaffolds });
    expect(Buffer.from(again).equals(Buffer.from(pythonBytes()))).toBe(true);
  });

  it('accepts a misaligned Uint8Array view by copying it', () => {
    const src = pythonBytes();
    const padded = new Uint8Array(src.length + 1);
    padded.set(src, 1);
    expect(parseDataset(padded.subarray(1), 'shifted').molecule(1).smiles).toBe(expected.molecules[1].smiles);
    // A Node Buffer at an odd offset (readFileSync pools small files) is copied too.
    const pooled = Buffer.alloc(src.length + 3);
    pooled.set(src, 3);
    expect(parseDataset(pooled.subarray(3), 'pooled').molecule(4).smiles).toBe(expected.molecules[4].smiles);
  });

  it('rejects molecule indices outside the set', () => {
    expect(() => ds.molecule(ds.count)).toThrow(/molecule index 5 is outside \[0, 5\)/);
  });
});

describe('parseDataset on corrupted files', () => {
  const layout = (b: Uint8Array) => {
    const v = new DataView(b.buffer, b.byteOffset);
    const u = (o: number) => v.getUint32(o, true);
    return layoutOf({
      numMolecules: u(16), numAtoms: u(20), numBonds: u(24), numConformers: u(28), numBaselineAtoms: u(32),
      numLabels: u(36), numScaffolds: u(40), metaBytes: u(44), smilesBytes: u(48),
    });
  };
  const edit = (f: (b: Uint8Array, v: DataView) => void, seal = true) => {
    const b = pythonBytes();
    f(b, new DataView(b.buffer));
    return seal ? reseal(b) : b;
  };
  const parse = (b: Uint8Array) => () => parseDataset(b, 'bad.bin');

  it('bad magic', () => {
    expect(parse(edit((b) => b.set([88], 0)))).toThrow(/bad.bin: bad magic "XSDEMOLS"/);
  });
  it('too short for a header', () => {
    expect(parse(pythonBytes().subarray(0, 40))).toThrow(/40 bytes, shorter than the 64-byte header/);
  });
  it('unknown version', () => {
    expect(parse(edit((_, v) => v.setUint32(8, 2, true)))).toThrow(/unsupported format version 2/);
  });
  it('truncation', () => {
    const b = pythonBytes();
    expect(parse(b.slice(0, b.length - 8))).toThrow(/truncated/);
  });
  it('trailing bytes', () => {
    const b = pythonBytes();
    const longer = new Uint8Array(b.length + 4);
    longer.set(b);
    expect(parse(longer)).toThrow(/trailing bytes/);
  });
  it('checksum mismatch', () => {
    const b = edit((b) => (b[b.length - 3] ^= 0x20), false);
    expect(parse(b)).toThrow(/payload checksum mismatch/);
  });
  it('header counts that disagree with payloadBytes', () => {
    expect(parse(edit((_, v) => v.setUint32(20, v.getUint32(20, true) + 1, true)))).toThrow(/does not match the \d+ bytes the header counts imply/);
  });
  it('an atom offset out of place', () => {
    const b = edit((b, v) => v.setUint32(layout(b).records.offset + 2 * RECORD_BYTES, 999, true));
    expect(parse(b)).toThrow(/molecule 2: atomOffset is 999, expected 8/);
  });
  it('a SMILES length that runs past the section', () => {
    const b = edit((b, v) => v.setUint16(layout(b).records.offset + 4 * RECORD_BYTES + 24, 500, true));
    expect(parse(b)).toThrow(/molecule 4: SMILES run to byte \d+, past smilesBytes/);
  });
  it('counts whose sum misses the header total', () => {
    const b = edit((b, v) => v.setUint8(layout(b).records.offset + 4 * RECORD_BYTES + 26, 4));
    expect(parse(b)).toThrow(/records sum to numAtoms = 22, header says 23/);
  });
  it('a bond index out of range', () => {
    const b = edit((b, v) => v.setUint16(layout(b).bonds.offset + 2, 40, true));
    expect(parse(b)).toThrow(/molecule 1: bond 0 is \(0, 40\); need i < j < numAtoms 7/);
  });
  it('a feature outside its vocabulary', () => {
    const b = edit((b) => (b[layout(b).atomFeatures.offset + 9 + 6] = 6));
    expect(parse(b)).toThrow(/atom feature row 1 column 6 is 6, outside its vocabulary of 6/);
  });
  it('a non-finite position', () => {
    const b = edit((b, v) => v.setFloat32(layout(b).positions.offset + 12 * 3, NaN, true));
    expect(parse(b)).toThrow(/positions row 3 holds NaN/);
  });
  it('a bad split code and a scaffold id past the table', () => {
    expect(parse(edit((b, v) => v.setUint8(layout(b).records.offset + 29, 3)))).toThrow(/molecule 0: split code 3/);
    expect(parse(edit((b, v) => v.setUint32(layout(b).records.offset + 20, 3, true)))).toThrow(/molecule 0: scaffoldId 3 is not below numScaffolds 3/);
  });
  it('metadata that is not JSON', () => {
    expect(parse(edit((b) => (b[layout(b).meta.offset] = 0x7b + 1)))).toThrow(/metadata is not valid UTF-8 JSON/);
  });
});

describe('writeDataset + parseDataset round trip', () => {
  const mols: MoleculeInput[] = [
    {
      smiles: 'CO', atomFeatures: [5, 0, 4, 5, 3, 0, 2, 0, 0, 7, 0, 2, 5, 1, 0, 2, 0, 0], bonds: [0, 1], bondFeatures: [0, 0, 0],
      positions: [-0.7, 0, 0, 0.7, 0, 0], labels: [1.5], split: 'test', scaffoldId: 0, source: 'nci',
      baselinePositions: [[-0.71, 0.01, 0, 0.71, -0.01, 0], [-0.69, 0, 0.02, 0.69, 0, -0.02]],
    },
    {
      smiles: 'N', atomFeatures: [6, 0, 3, 5, 3, 0, 2, 0, 0], bonds: [], bondFeatures: [],
      positions: [0, 0, 0], labels: [-2.25], split: 'train', scaffoldId: 0,
    },
  ];
  it('keeps every value', () => {
    const bytes = writeDataset(mols, { meta: { name: 'rt', labelNames: ['y'], labelUnits: ['u'] }, numScaffolds: 1 });
    const ds = parseDataset(bytes, 'rt.bin');
    expect(ds.count).toBe(2);
    expect(ds.meta.splitNames).toEqual(['train', 'valid', 'test']);
    const a = ds.molecule(0), b = ds.molecule(1);
    expect(a.smiles).toBe('CO');
    expect(a.source).toBe('nci');
    expect(Array.from(a.positions)).toEqual(Array.from(Float32Array.from(mols[0].positions)));
    expect(a.baselinePositions?.map((c) => Array.from(c))).toEqual(mols[0].baselinePositions!.map((c) => Array.from(Float32Array.from(c))));
    expect(Array.from(b.labels)).toEqual([-2.25]);
    expect(b.baselinePositions).toBeUndefined();
    expect(b.split).toBe('train');
    expect(Array.from(ds.atomCounts)).toEqual([2, 1]);
  });
  it('refuses to write inconsistent molecules', () => {
    const bad = { ...mols[1], bonds: [0, 3], bondFeatures: [0, 0, 0] };
    expect(() => writeDataset([bad], { meta: { name: 'x', labelNames: ['y'], labelUnits: ['u'] }, numScaffolds: 1 })).toThrow(/bond 0 \(0, 3\) is not i < j < 1/);
  });
});
