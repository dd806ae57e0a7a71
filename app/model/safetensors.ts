/**
 * The safetensors container (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }`,
 * then the raw little-endian tensor bytes, offsets relative to the start of that data section.
 *
 * Reading validates everything before any tensor is trusted: the header length against the file
 * size, the JSON, each dtype and shape, each byte range (inside the data section, the right size
 * for its shape, not overlapping another) and that no bytes are left unaccounted for. Every error
 * is a CheckpointError naming the problem and, where there is one, the tensor.
 */

export type StDType = 'F32' | 'U32' | 'I32';
export type HostArray = Float32Array | Uint32Array | Int32Array;

export interface StTensor {
  dtype: StDType;
  shape: number[];
  data: HostArray;
}

export interface StFile {
  metadata: Record<string, string>;
  tensors: Map<string, StTensor>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const BYTES_PER_ELEMENT: Record<StDType, number> = { F32: 4, U32: 4, I32: 4 };
/** The reference implementation refuses headers over 100 MB; so do we (a corrupt length is usually huge). */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

// The data section is copied byte for byte into typed arrays, which use the host's byte order.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function checkHost(): void {
  if (!HOST_IS_LITTLE_ENDIAN) throw new CheckpointError('safetensors: big-endian hosts are not supported');
}

export function dtypeOf(data: HostArray): StDType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Uint32Array) return 'U32';
  return 'I32';
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A host tensor whose dtype follows its array type; checks that the data fills the shape. */
export function hostTensor(data: HostArray, shape: readonly number[]): StTensor {
  if (elementCount(shape) !== data.length) {
    throw new CheckpointError(`safetensors: ${data.length} values do not fill shape [${shape.join(', ')}]`);
  }
  return { dtype: dtypeOf(data), shape: [...shape], data };
}

/** Serialises tensors (in the given order) and string metadata. */
export function writeSafetensors(tensors: Iterable<[string, StTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  checkHost();
  const header: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new CheckpointError(`safetensors: metadata '${key}' must be a string`);
  }
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = metadata;
  const entries: [string, StTensor][] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === METADATA_KEY) throw new CheckpointError(`safetensors: '${METADATA_KEY}' is not a valid tensor name`);
    if (name in header) throw new CheckpointError(`safetensors: tensor '${name}' is written twice`);
    if (dtypeOf(t.data) !== t.dtype) throw new CheckpointError(`safetensors: tensor '${name}' says ${t.dtype} but holds ${dtypeOf(t.data)} data`);
    if (elementCount(t.shape) !== t.data.length) {
      throw new CheckpointError(`safetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
    const bytes = t.data.length * BYTES_PER_ELEMENT[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    entries.push([name, t]);
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
  const encoded = new TextEncoder().encode(json);
  const padded = Math.ceil((encoded.length + 8) / 8) * 8 - 8;
  json += ' '.repeat(padded - encoded.length);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Parses and validates a safetensors file. `what` names the file in error messages. */
export function readSafetensors(input: ArrayBuffer | Uint8Array, what = 'checkpoint'): StFile {
  checkHost();
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const fail = (msg: string): never => {
    throw new CheckpointError(`${what}: ${msg}`);
  };
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (high !== 0 || headerLength > bytes.length - 8) {
    fail(`the header length ${headerLength} exceeds the file size (${bytes.length} bytes, ${bytes.length - 8} after the length field)`);
  }
  if (headerLength > MAX_HEADER_BYTES) fail(`the header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`);
  if (headerLength === 0) fail('the header is empty');

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`the header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isPlainObject(parsed)) fail('the header is not a JSON object');
  const header = parsed as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined) {
    if (!isPlainObject(rawMeta)) fail(`'${METADATA_KEY}' is not an object`);
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`metadata '${k}' is not a string`);
      metadata[k] = v as string;
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  interface Entry {
    name: string;
    dtype: StDType;
    shape: number[];
    begin: number;
    end: number;
  }
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    if (!isPlainObject(raw)) fail(`tensor '${name}': its header entry is not an object`);
    const entry = raw as Record<string, unknown>;
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !(dtype in BYTES_PER_ELEMENT)) {
      fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(BYTES_PER_ELEMENT).join(', ')})`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run backwards`);
    if (end > dataLength) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes)`);
    const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype as StDType];
    if (end - begin !== expected) {
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${expected}`);
    }
    entries.push({ name, dtype: dtype as StDType, shape: shape as number[], begin, end });
  }

  // Byte ranges must tile the data section: no overlaps, no gaps, nothing trailing.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensors '${previous?.name}' and '${e.name}' overlap (bytes ${e.begin}..${covered})`);
    if (e.begin > covered) fail(`bytes ${covered}..${e.begin} of the data section belong to no tensor`);
    covered = e.end;
    previous = e;
  }
  if (covered !== dataLength) fail(`the data section has ${dataLength - covered} trailing bytes that belong to no tensor`);

  const tensors = new Map<string, StTensor>();
  for (const e of entries) {
    // An explicit copy: Node's Buffer.slice() is a view of the whole pool, not a copy.
    const copy = new ArrayBuffer(e.end - e.begin);
    new Uint8Array(copy).set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    const data = e.dtype === 'F32' ? new Float32Array(copy) : e.dtype === 'U32' ? new Uint32Array(copy) : new Int32Array(copy);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { metadata, tensors };
}
