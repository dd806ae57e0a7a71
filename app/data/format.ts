/**
 * Constants and layout arithmetic of the packed data-set format (FORMAT.md), shared by the reader
 * (dataset.ts) and the writer (write.ts). tools/dsbuild/pack.py writes the same bytes.
 */

export const MAGIC = 'MSDEMOLS';
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const RECORD_BYTES = 32;
export const ATOM_FEATURES = 9;
export const BOND_FEATURES = 3;

/** OGB vocabulary sizes (docs/method.md §4.1), the misc index included. */
export const ATOM_VOCAB = [119, 5, 12, 12, 10, 6, 6, 2, 2] as const;
export const BOND_VOCAB = [5, 6, 2] as const;

export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
export const SOURCE_NAMES = ['enumeration', 'nci'] as const;

export interface Header {
  version: number;
  headerBytes: number;
  numMolecules: number;
  numAtoms: number;
  numBonds: number;
  numConformers: number;
  numBaselineAtoms: number;
  numLabels: number;
  numScaffolds: number;
  metaBytes: number;
  smilesBytes: number;
  payloadBytes: number;
  payloadCrc32: number;
}

/** Header fields after the magic, in file order (u32 each). */
export const HEADER_FIELDS = [
  'version', 'headerBytes', 'numMolecules', 'numAtoms', 'numBonds', 'numConformers', 'numBaselineAtoms',
  'numLabels', 'numScaffolds', 'metaBytes', 'smilesBytes', 'payloadBytes', 'payloadCrc32',
] as const satisfies readonly (keyof Header)[];

export const align4 = (n: number): number => n + ((4 - (n % 4)) % 4);

export interface Section {
  name: string;
  /** Byte offset from the start of the file. */
  offset: number;
  bytes: number;
}

export interface Layout {
  meta: Section;
  records: Section;
  atomFeatures: Section;
  bonds: Section;
  bondFeatures: Section;
  positions: Section;
  labels: Section;
  baseline: Section;
  smiles: Section;
  /** Payload size the counts imply (sections padded to 4 bytes). */
  payloadBytes: number;
}

/** Where each section lies, from the header counts alone. */
export function layoutOf(h: Omit<Header, 'payloadBytes' | 'payloadCrc32' | 'version' | 'headerBytes'>): Layout {
  const sizes: [keyof Omit<Layout, 'payloadBytes'>, number][] = [
    ['meta', h.metaBytes],
    ['records', h.numMolecules * RECORD_BYTES],
    ['atomFeatures', h.numAtoms * ATOM_FEATURES],
    ['bonds', h.numBonds * 2 * 2],
    ['bondFeatures', h.numBonds * BOND_FEATURES],
    ['positions', h.numAtoms * 3 * 4],
    ['labels', h.numMolecules * h.numLabels * 4],
    ['baseline', h.numBaselineAtoms * 3 * 4],
    ['smiles', h.smilesBytes],
  ];
  const out: Partial<Layout> = {};
  let offset = HEADER_BYTES;
  for (const [name, bytes] of sizes) {
    out[name] = { name, offset, bytes };
    offset += align4(bytes);
  }
  out.payloadBytes = offset - HEADER_BYTES;
  return out as Layout;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, reflected, as zlib.crc32), unsigned. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
