/**
 * Embedding sum over several categorical features packed into one table:
 * h[n] = Σ_t table[index[n, t]], e.g. the 9 OGB atom feature tables or the 3 bond feature tables.
 */
import code from './embedding.wgsl?raw';
import { grid1d } from '../engine';
import { assertCsr, type Csr } from '../graph';
import { assertDType, assertShape, type Tensor } from '../tensor';

export interface PackedTables {
  /** offsets[t] = first row of feature t's table inside the packed table. */
  offsets: Uint32Array;
  /** Vocabulary size of each feature. */
  sizes: readonly number[];
  /** Rows of the packed table (Σ sizes). */
  total: number;
}

/** Lays the per-feature tables end to end; add offsets[t] to a raw index of feature t. */
export function packTables(vocabSizes: readonly number[]): PackedTables {
  const offsets = new Uint32Array(vocabSizes.length);
  let total = 0;
  vocabSizes.forEach((size, t) => {
    if (!Number.isInteger(size) || size <= 0) throw new Error(`packTables: vocabulary ${t} has invalid size ${size}`);
    offsets[t] = total;
    total += size;
  });
  return { offsets, sizes: [...vocabSizes], total };
}

/**
 * Offsets raw feature indices [N, T] (T = number of tables, row-major) into the packed table.
 * Throws on a value outside its feature's vocabulary, naming the row and the feature.
 */
export function packIndices(raw: ArrayLike<number>, packed: PackedTables): Uint32Array {
  const slots = packed.sizes.length;
  if (slots === 0 || raw.length % slots !== 0) {
    throw new Error(`packIndices: ${raw.length} values do not form rows of ${slots} features`);
  }
  const out = new Uint32Array(raw.length);
  for (let j = 0; j < raw.length; j++) {
    const t = j % slots;
    const v = raw[j];
    if (!(Number.isInteger(v) && v >= 0 && v < packed.sizes[t])) {
      throw new Error(`packIndices: row ${Math.floor(j / slots)} feature ${t} has value ${v}, outside [0, ${packed.sizes[t]})`);
    }
    out[j] = v + packed.offsets[t];
  }
  return out;
}

/**
 * The CSR of a u32 index tensor by value (numSegments segments), built on the device with the same
 * result as buildCsr: a per-value count, a serial prefix sum and a stable per-value fill. Each step
 * loops over all the index slots, so it costs O(numSegments × slots): meant for small vocabularies
 * when the host no longer has the index. Values >= numSegments are left out of every segment.
 */
export function buildCsrOnDevice(index: Tensor, numSegments: number): Csr {
  const op = 'buildCsrOnDevice';
  const e = index.engine;
  assertDType(op, index, 'u32', 'index');
  const params = { rows: index.size, slots: 1, cols: 1, vocab: numSegments };
  const offsets = e.empty([numSegments + 1], { dtype: 'u32', name: 'csr.offsets' });
  const order = e.empty([index.size], { dtype: 'u32', name: 'csr.order' });
  const bindings = { index, csr_offsets: offsets, csr_order: order };
  e.dispatch({ op, code, entryPoint: 'csr_count', params, bindings, workgroups: grid1d(numSegments) });
  e.dispatch({ op, code, entryPoint: 'csr_scan', params, bindings, workgroups: [1] });
  e.dispatch({ op, code, entryPoint: 'csr_fill', params, bindings, workgroups: grid1d(numSegments) });
  return { offsets, order, numSegments };
}

/**
 * table: [V, F], index: u32 [N, T] (already offset into the packed table), csrByRow: the CSR of
 * the flattened index with V segments (buildCsr(engine, indexArray, V)); if it is not given and the
 * table needs a gradient, it is built on the device (buildCsrOnDevice). Returns [N, F].
 */
export function embeddingSum(table: Tensor, index: Tensor, csrByRow?: Csr): Tensor {
  const op = 'embeddingSum';
  const e = table.engine;
  assertShape(op, table, [null, null], 'table');
  assertDType(op, table, 'f32', 'table');
  assertShape(op, index, [null, null], 'index');
  assertDType(op, index, 'u32', 'index');
  const [vocab, cols] = table.shape;
  const [rows, slots] = index.shape;
  if (csrByRow) assertCsr(op, csrByRow, rows * slots, vocab, 'csrByRow');
  const params = { rows, slots, cols, vocab };
  const h = e.empty([rows, cols], { requiresGrad: table.requiresGrad, name: `${op}(${table.name})` });
  e.dispatch({ op, code, entryPoint: 'forward', params, bindings: { table, index, h }, workgroups: grid1d(rows * cols) });
  // Saves: the index (through its CSR by table row).
  if (e.needsGrad(table)) {
    const csr = csrByRow ?? buildCsrOnDevice(e.reshape(index, [rows * slots]), vocab);
    e.tape.push(op, () => {
      e.dispatch({
        op: `${op}.backward`,
        code,
        entryPoint: 'backward',
        params,
        bindings: { offsets: csr.offsets, order: csr.order, dh: e.gradOf(h), dtable: e.gradOf(table) },
        workgroups: grid1d(vocab * cols),
      });
    });
  }
  return h;
}
