/**
 * Reader of the packed data-set format (FORMAT.md). `parseDataset` checks the whole file (header,
 * checksum, every count, offset, index and value) before handing out anything, and throws a
 * DatasetError naming the file, the field and the molecule when something is wrong.
 */
import {
  ATOM_FEATURES, ATOM_VOCAB, BOND_FEATURES, BOND_VOCAB, FORMAT_VERSION, HEADER_BYTES, HEADER_FIELDS, MAGIC,
  RECORD_BYTES, SPLIT_NAMES, SOURCE_NAMES, crc32, layoutOf, type Header, type Layout, type SplitName,
} from './format';

export class DatasetError extends Error {
  override name = 'DatasetError';
}

export interface DatasetMeta {
  name: string;
  labelNames: string[];
  labelUnits: string[];
  splitNames: string[];
  [key: string]: unknown;
}

/** One molecule. The typed arrays are views into the data set's buffer: read them, do not write. */
export interface MoleculeRecord {
  index: number;
  smiles: string;
  numAtoms: number;
  numBonds: number;
  /** u8 [numAtoms x 9], OGB atom features. */
  atomFeatures: Uint8Array;
  /** u16 [numBonds x 2], undirected bonds (i, j), i < j, local atom indices. */
  bonds: Uint16Array;
  /** u8 [numBonds x 3], OGB bond features. */
  bondFeatures: Uint8Array;
  /** f32 [numAtoms x 3], Å, centred. */
  positions: Float32Array;
  /** f32 [numLabels] (see Dataset.meta.labelNames). */
  labels: Float32Array;
  split: SplitName;
  scaffoldId: number;
  source: (typeof SOURCE_NAMES)[number];
  /** Baseline (RDKit ETKDG + MMFF) conformers, each f32 [numAtoms x 3]; absent when none stored. */
  baselinePositions?: Float32Array[];
}

export interface Dataset {
  /** The name given to parseDataset (usually the file name). */
  name: string;
  meta: DatasetMeta;
  header: Header;
  count: number;
  numAtoms: number;
  numBonds: number;
  numScaffolds: number;
  /** Per molecule: 0 train, 1 valid, 2 test (the build's split). */
  splitCodes: Uint8Array;
  /** Per molecule: Bemis-Murcko scaffold id (equal ids = same scaffold). */
  scaffoldIds: Uint32Array;
  /** Per molecule atom counts. */
  atomCounts: Uint8Array;
  molecule(i: number): MoleculeRecord;
}

interface RecordArrays {
  atomOffset: Uint32Array;
  bondOffset: Uint32Array;
  smilesOffset: Uint32Array;
  conformerOffset: Uint32Array;
  baselineAtomOffset: Uint32Array;
  smilesLength: Uint16Array;
  numBonds: Uint8Array;
  numConformers: Uint8Array;
  source: Uint8Array;
}

export function parseDataset(input: ArrayBuffer | Uint8Array, name: string): Dataset {
  const fail = (msg: string): never => {
    throw new DatasetError(`${name}: ${msg}`);
  };
  // Typed-array views need 4-byte aligned offsets; copy a misaligned view once (new Uint8Array
  // copies, where a Node Buffer's slice() would share memory and keep the bad offset).
  const bytes = input instanceof Uint8Array ? (input.byteOffset % 4 === 0 ? input : new Uint8Array(input)) : new Uint8Array(input);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) fail('this reader needs a little-endian platform');
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  if (bytes.length < HEADER_BYTES) fail(`file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated or not a data set)`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) fail(`bad magic ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)} (not a packed data set)`);
  const view = new DataView(buf, base, bytes.length);
  const header = {} as Header;
  HEADER_FIELDS.forEach((f, k) => (header[f] = view.getUint32(8 + 4 * k, true)));
  if (header.version !== FORMAT_VERSION) fail(`unsupported format version ${header.version}; this reader knows version ${FORMAT_VERSION}`);
  if (header.headerBytes !== HEADER_BYTES) fail(`headerBytes is ${header.headerBytes}, expected ${HEADER_BYTES}`);
  if (bytes.length !== HEADER_BYTES + header.payloadBytes) {
    fail(`file is ${bytes.length} bytes but the header promises ${HEADER_BYTES} + payloadBytes ${header.payloadBytes} = ${HEADER_BYTES + header.payloadBytes}` +
      (bytes.length < HEADER_BYTES + header.payloadBytes ? ' (truncated)' : ' (trailing bytes)'));
  }
  const layout = layoutOf(header);
  if (layout.payloadBytes !== header.payloadBytes) {
    fail(`payloadBytes ${header.payloadBytes} does not match the ${layout.payloadBytes} bytes the header counts imply ` +
      `(molecules ${header.numMolecules}, atoms ${header.numAtoms}, bonds ${header.numBonds}, baseline atoms ${header.numBaselineAtoms}, labels ${header.numLabels}, meta ${header.metaBytes}, smiles ${header.smilesBytes})`);
  }
  const crc = crc32(bytes.subarray(HEADER_BYTES));
  if (crc !== header.payloadCrc32) fail(`payload checksum mismatch: CRC-32 is ${hex(crc)}, header says ${hex(header.payloadCrc32)} (corrupted file)`);

  const meta = parseMeta(bytes, layout, header, fail);
  const M = header.numMolecules;
  const rec = readRecords(view, layout, M);
  const atomCounts = new Uint8Array(M);
  const splitCodes = new Uint8Array(M);
  const scaffoldIds = new Uint32Array(M);
  checkRecords(view, layout, header, rec, atomCounts, splitCodes, scaffoldIds, fail);

  const sec = (s: { offset: number }) => base + s.offset;
  const atomFeatures = new Uint8Array(buf, sec(layout.atomFeatures), header.numAtoms * ATOM_FEATURES);
  const bonds = new Uint16Array(buf, sec(layout.bonds), header.numBonds * 2);
  const bondFeatures = new Uint8Array(buf, sec(layout.bondFeatures), header.numBonds * BOND_FEATURES);
  const positions = new Float32Array(buf, sec(layout.positions), header.numAtoms * 3);
  const labels = new Float32Array(buf, sec(layout.labels), M * header.numLabels);
  const baseline = new Float32Array(buf, sec(layout.baseline), header.numBaselineAtoms * 3);
  checkValues(atomFeatures, ATOM_VOCAB, 'atom feature', fail);
  checkValues(bondFeatures, BOND_VOCAB, 'bond feature', fail);
  checkBonds(bonds, rec, atomCounts, fail);
  checkFinite(positions, 'positions', 3, fail, MAX_DATASET_COORDINATE);
  checkFinite(labels, 'labels', Math.max(1, header.numLabels), fail);
  checkFinite(baseline, 'baseline positions', 3, fail, MAX_DATASET_COORDINATE);
  const smiles = decodeSmiles(bytes.subarray(layout.smiles.offset, layout.smiles.offset + header.smilesBytes), rec, fail);

  const L = header.numLabels;
  const molecule = (i: number): MoleculeRecord => {
    if (!Number.isInteger(i) || i < 0 || i >= M) throw new RangeError(`${name}: molecule index ${i} is outside [0, ${M})`);
    const n = atomCounts[i];
    const a = rec.atomOffset[i];
    const b = rec.bondOffset[i];
    const m = rec.numBonds[i];
    const out: MoleculeRecord = {
      index: i,
      smiles: smiles[i],
      numAtoms: n,
      numBonds: m,
      atomFeatures: atomFeatures.subarray(a * ATOM_FEATURES, (a + n) * ATOM_FEATURES),
      bonds: bonds.subarray(b * 2, (b + m) * 2),
      bondFeatures: bondFeatures.subarray(b * BOND_FEATURES, (b + m) * BOND_FEATURES),
      positions: positions.subarray(a * 3, (a + n) * 3),
      labels: labels.subarray(i * L, (i + 1) * L),
      split: SPLIT_NAMES[splitCodes[i]],
      scaffoldId: scaffoldIds[i],
      source: SOURCE_NAMES[rec.source[i]],
    };
    const k = rec.numConformers[i];
    if (k > 0) {
      const start = rec.baselineAtomOffset[i] * 3;
      out.baselinePositions = Array.from({ length: k }, (_, c) => baseline.subarray(start + c * n * 3, start + (c + 1) * n * 3));
    }
    return out;
  };
  return {
    name, meta, header, count: M, numAtoms: header.numAtoms, numBonds: header.numBonds, numScaffolds: header.numScaffolds,
    splitCodes, scaffoldIds, atomCounts, molecule,
  };
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

type Fail = (msg: string) => never;

function parseMeta(bytes: Uint8Array, layout: Layout, header: Header, fail: Fail): DatasetMeta {
  let meta: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(layout.meta.offset, layout.meta.offset + header.metaBytes));
    meta = JSON.parse(text);
  } catch (e) {
    fail(`metadata is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  const m = meta as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('metadata must be a JSON object');
  if (typeof m.name !== 'string') fail('metadata.name must be a string');
  for (const key of ['labelNames', 'labelUnits', 'splitNames'] as const) {
    const v = m[key];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail(`metadata.${key} must be an array of strings`);
  }
  const labelNames = m.labelNames as string[];
  if (labelNames.length !== header.numLabels || (m.labelUnits as string[]).length !== header.numLabels) {
    fail(`metadata names ${labelNames.length} labels and ${(m.labelUnits as string[]).length} units, but the header says numLabels = ${header.numLabels}`);
  }
  return m as DatasetMeta;
}

function readRecords(view: DataView, layout: Layout, M: number): RecordArrays {
  const r: RecordArrays = {
    atomOffset: new Uint32Array(M), bondOffset: new Uint32Array(M), smilesOffset: new Uint32Array(M),
    conformerOffset: new Uint32Array(M), baselineAtomOffset: new Uint32Array(M), smilesLength: new Uint16Array(M),
    numBonds: new Uint8Array(M), numConformers: new Uint8Array(M), source: new Uint8Array(M),
  };
  for (let i = 0; i < M; i++) {
    const o = layout.records.offset + i * RECORD_BYTES;
    r.atomOffset[i] = view.getUint32(o, true);
    r.bondOffset[i] = view.getUint32(o + 4, true);
    r.smilesOffset[i] = view.getUint32(o + 8, true);
    r.conformerOffset[i] = view.getUint32(o + 12, true);
    r.baselineAtomOffset[i] = view.getUint32(o + 16, true);
    r.smilesLength[i] = view.getUint16(o + 24, true);
    r.numBonds[i] = view.getUint8(o + 27);
    r.numConformers[i] = view.getUint8(o + 28);
    r.source[i] = view.getUint8(o + 30);
  }
  return r;
}

function checkRecords(
  view: DataView, layout: Layout, h: Header, r: RecordArrays,
  atomCounts: Uint8Array, splitCodes: Uint8Array, scaffoldIds: Uint32Array, fail: Fail,
): void {
  let atoms = 0, bonds = 0, smiles = 0, confs = 0, baseAtoms = 0;
  for (let i = 0; i < h.numMolecules; i++) {
    const o = layout.records.offset + i * RECORD_BYTES;
    const n = view.getUint8(o + 26);
    const split = view.getUint8(o + 29);
    const scaffold = view.getUint32(o + 20, true);
    const where = `molecule ${i}`;
    const expect = (field: string, got: number, want: number) => {
      if (got !== want) fail(`${where}: ${field} is ${got}, expected ${want} (records must be contiguous)`);
    };
    expect('atomOffset', r.atomOffset[i], atoms);
    expect('bondOffset', r.bondOffset[i], bonds);
    expect('smilesOffset', r.smilesOffset[i], smiles);
    expect('conformerOffset', r.conformerOffset[i], confs);
    expect('baselineAtomOffset', r.baselineAtomOffset[i], baseAtoms);
    if (n < 1) fail(`${where}: numAtoms is 0; every molecule needs at least one atom`);
    if (split >= SPLIT_NAMES.length) fail(`${where}: split code ${split} is not 0 (train), 1 (valid) or 2 (test)`);
    if (r.source[i] >= SOURCE_NAMES.length) fail(`${where}: source code ${r.source[i]} is not 0 (enumeration) or 1 (nci)`);
    if (scaffold >= h.numScaffolds) fail(`${where}: scaffoldId ${scaffold} is not below numScaffolds ${h.numScaffolds}`);
    if (view.getUint8(o + 31) !== 0) fail(`${where}: reserved byte is ${view.getUint8(o + 31)}, expected 0`);
    atomCounts[i] = n;
    splitCodes[i] = split;
    scaffoldIds[i] = scaffold;
    atoms += n;
    bonds += r.numBonds[i];
    smiles += r.smilesLength[i];
    confs += r.numConformers[i];
    baseAtoms += r.numConformers[i] * n;
    // Past the header totals the offsets of later records would point outside their sections.
    if (atoms > h.numAtoms) fail(`${where}: atoms run to ${atoms}, past numAtoms ${h.numAtoms}`);
    if (bonds > h.numBonds) fail(`${where}: bonds run to ${bonds}, past numBonds ${h.numBonds}`);
    if (smiles > h.smilesBytes) fail(`${where}: SMILES run to byte ${smiles}, past smilesBytes ${h.smilesBytes}`);
    if (confs > h.numConformers) fail(`${where}: conformers run to ${confs}, past numConformers ${h.numConformers}`);
    if (baseAtoms > h.numBaselineAtoms) fail(`${where}: baseline atoms run to ${baseAtoms}, past numBaselineAtoms ${h.numBaselineAtoms}`);
  }
  const totals: [string, number, number][] = [
    ['numAtoms', atoms, h.numAtoms], ['numBonds', bonds, h.numBonds], ['smilesBytes', smiles, h.smilesBytes],
    ['numConformers', confs, h.numConformers], ['numBaselineAtoms', baseAtoms, h.numBaselineAtoms],
  ];
  for (const [field, got, want] of totals) {
    if (got !== want) fail(`records sum to ${field} = ${got}, header says ${want}`);
  }
}

function checkValues(values: Uint8Array, vocab: readonly number[], what: string, fail: Fail): void {
  const w = vocab.length;
  for (let k = 0; k < values.length; k++) {
    const c = k % w;
    if (values[k] >= vocab[c]) fail(`${what} row ${Math.floor(k / w)} column ${c} is ${values[k]}, outside its vocabulary of ${vocab[c]}`);
  }
}

function checkBonds(bonds: Uint16Array, r: RecordArrays, atomCounts: Uint8Array, fail: Fail): void {
  const seen = new Set<number>();
  for (let i = 0; i < atomCounts.length; i++) {
    seen.clear();
    const n = atomCounts[i];
    for (let b = r.bondOffset[i]; b < r.bondOffset[i] + r.numBonds[i]; b++) {
      const a0 = bonds[2 * b], a1 = bonds[2 * b + 1];
      if (!(a0 < a1 && a1 < n)) fail(`molecule ${i}: bond ${b - r.bondOffset[i]} is (${a0}, ${a1}); need i < j < numAtoms ${n}`);
      const key = a0 * 65536 + a1;
      if (seen.has(key)) fail(`molecule ${i}: bond (${a0}, ${a1}) is listed twice`);
      seen.add(key);
    }
  }
}

/** Largest |coordinate| (Å) a data set may hold: a molecule spans a few Å; 1e18 is a corrupt file. */
export const MAX_DATASET_COORDINATE = 1e4;

function checkFinite(values: Float32Array, what: string, width: number, fail: Fail, limit = Infinity): void {
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) fail(`${what} row ${Math.floor(k / width)} holds ${values[k]}, not a finite number`);
    if (Math.abs(values[k]) > limit) fail(`${what} row ${Math.floor(k / width)} holds ${values[k].toExponential(3)}, beyond ${limit} Å (corrupt or not in Å)`);
  }
}

function decodeSmiles(section: Uint8Array, r: RecordArrays, fail: Fail): string[] {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const out = new Array<string>(r.smilesOffset.length);
  for (let i = 0; i < out.length; i++) {
    try {
      out[i] = dec.decode(section.subarray(r.smilesOffset[i], r.smilesOffset[i] + r.smilesLength[i]));
    } catch {
      fail(`molecule ${i}: SMILES bytes are not valid UTF-8`);
    }
    if (out[i].length === 0) fail(`molecule ${i}: empty SMILES`);
  }
  return out;
}
