/**
 * Writer of the packed data-set format (FORMAT.md), byte-for-byte the layout tools/dsbuild/pack.py
 * writes. Used by tests (round trips, corrupted files) and by tools that export subsets.
 */
import {
  ATOM_FEATURES, BOND_FEATURES, FORMAT_VERSION, HEADER_BYTES, HEADER_FIELDS, MAGIC, RECORD_BYTES,
  SOURCE_NAMES, SPLIT_NAMES, crc32, layoutOf, type Header, type SplitName,
} from './format';

export interface MoleculeInput {
  smiles: string;
  /** [n x 9] */
  atomFeatures: ArrayLike<number>;
  /** [m x 2], i < j */
  bonds: ArrayLike<number>;
  /** [m x 3] */
  bondFeatures: ArrayLike<number>;
  /** [n x 3] */
  positions: ArrayLike<number>;
  labels: ArrayLike<number>;
  split: SplitName;
  scaffoldId: number;
  source?: (typeof SOURCE_NAMES)[number];
  /** Each [n x 3]. */
  baselinePositions?: ArrayLike<number>[];
}

export interface WriteOptions {
  meta: { name: string; labelNames: string[]; labelUnits: string[]; splitNames?: string[]; [key: string]: unknown };
  numScaffolds: number;
}

export function writeDataset(molecules: readonly MoleculeInput[], options: WriteOptions): Uint8Array {
  const enc = new TextEncoder();
  const L = options.meta.labelNames.length;
  // Key order is the caller's (pass sorted keys to match pack.py's json.dumps(sort_keys=True)).
  const meta = enc.encode(JSON.stringify(options.meta.splitNames ? options.meta : { ...options.meta, splitNames: [...SPLIT_NAMES] }));
  const smiles = molecules.map((m) => enc.encode(m.smiles));
  let numAtoms = 0, numBonds = 0, numConformers = 0, numBaselineAtoms = 0, smilesBytes = 0;
  molecules.forEach((m, i) => {
    const n = m.atomFeatures.length / ATOM_FEATURES;
    const nb = m.bonds.length / 2;
    const k = m.baselinePositions?.length ?? 0;
    const where = `writeDataset: molecule ${i} (${m.smiles})`;
    if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error(`${where}: ${m.atomFeatures.length} atom feature values are not 1..255 rows of 9`);
    if (!Number.isInteger(nb) || nb > 255 || m.bondFeatures.length !== nb * BOND_FEATURES) {
      throw new Error(`${where}: ${m.bonds.length / 2} bonds with ${m.bondFeatures.length} bond feature values (need <= 255 bonds, 3 values each)`);
    }
    if (m.positions.length !== n * 3) throw new Error(`${where}: ${m.positions.length} position values for ${n} atoms`);
    if (m.labels.length !== L) throw new Error(`${where}: ${m.labels.length} labels, metadata names ${L}`);
    if (smiles[i].length > 65535 || k > 255) throw new Error(`${where}: SMILES or conformer count too large`);
    m.baselinePositions?.forEach((c, j) => {
      if (c.length !== n * 3) throw new Error(`${where}: baseline conformer ${j} has ${c.length} values for ${n} atoms`);
    });
    for (let b = 0; b < nb; b++) {
      if (!(m.bonds[2 * b] < m.bonds[2 * b + 1] && m.bonds[2 * b + 1] < n)) {
        throw new Error(`${where}: bond ${b} (${m.bonds[2 * b]}, ${m.bonds[2 * b + 1]}) is not i < j < ${n}`);
      }
    }
    if (!(Number.isInteger(m.scaffoldId) && m.scaffoldId >= 0 && m.scaffoldId < options.numScaffolds)) {
      throw new Error(`${where}: scaffoldId ${m.scaffoldId} is not below numScaffolds ${options.numScaffolds}`);
    }
    numAtoms += n;
    numBonds += nb;
    numConformers += k;
    numBaselineAtoms += k * n;
    smilesBytes += smiles[i].length;
  });
  const counts = {
    numMolecules: molecules.length, numAtoms, numBonds, numConformers, numBaselineAtoms, numLabels: L,
    numScaffolds: options.numScaffolds, metaBytes: meta.length, smilesBytes,
  };
  const layout = layoutOf(counts);
  const out = new Uint8Array(HEADER_BYTES + layout.payloadBytes);
  const view = new DataView(out.buffer);
  const u8 = (s: { offset: number }, len: number) => new Uint8Array(out.buffer, s.offset, len);
  const atomF = u8(layout.atomFeatures, numAtoms * ATOM_FEATURES);
  const bondF = u8(layout.bondFeatures, numBonds * BOND_FEATURES);
  const bondsA = new Uint16Array(out.buffer, layout.bonds.offset, numBonds * 2);
  const pos = new Float32Array(out.buffer, layout.positions.offset, numAtoms * 3);
  const labels = new Float32Array(out.buffer, layout.labels.offset, molecules.length * L);
  const base = new Float32Array(out.buffer, layout.baseline.offset, numBaselineAtoms * 3);
  const smi = u8(layout.smiles, smilesBytes);
  u8(layout.meta, meta.length).set(meta);
  let a = 0, b = 0, s = 0, c = 0, ba = 0;
  molecules.forEach((m, i) => {
    const n = m.atomFeatures.length / ATOM_FEATURES;
    const nb = m.bonds.length / 2;
    const k = m.baselinePositions?.length ?? 0;
    const o = layout.records.offset + i * RECORD_BYTES;
    [a, b, s, c, ba, m.scaffoldId].forEach((v, f) => view.setUint32(o + 4 * f, v, true));
    view.setUint16(o + 24, smiles[i].length, true);
    view.setUint8(o + 26, n);
    view.setUint8(o + 27, nb);
    view.setUint8(o + 28, k);
    view.setUint8(o + 29, SPLIT_NAMES.indexOf(m.split));
    view.setUint8(o + 30, SOURCE_NAMES.indexOf(m.source ?? 'enumeration'));
    atomF.set(Array.from(m.atomFeatures), a * ATOM_FEATURES);
    bondF.set(Array.from(m.bondFeatures), b * BOND_FEATURES);
    bondsA.set(Array.from(m.bonds), b * 2);
    pos.set(Array.from(m.positions), a * 3);
    labels.set(Array.from(m.labels), i * L);
    m.baselinePositions?.forEach((conf, j) => base.set(Array.from(conf), (ba + j * n) * 3));
    smi.set(smiles[i], s);
    a += n;
    b += nb;
    s += smiles[i].length;
    c += k;
    ba += k * n;
  });
  const header: Header = {
    ...counts, version: FORMAT_VERSION, headerBytes: HEADER_BYTES, payloadBytes: layout.payloadBytes,
    payloadCrc32: crc32(out.subarray(HEADER_BYTES)),
  };
  for (let k = 0; k < MAGIC.length; k++) out[k] = MAGIC.charCodeAt(k);
  HEADER_FIELDS.forEach((f, k) => view.setUint32(8 + 4 * k, header[f], true));
  return out;
}
