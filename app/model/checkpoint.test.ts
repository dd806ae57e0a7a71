import { describe, expect, it } from 'vitest';
import { mulberry32, uniformArray } from '../../kernels/random';
import { testEngine } from '../../kernels/testing';
import {
  CheckpointError,
  checkAgainstModel,
  decodeCheckpoint,
  encodeCheckpoint,
  restoreWeights,
  snapshotWeights,
  type Checkpoint,
  type CheckpointableModel,
} from './checkpoint';
import { readSafetensors, writeSafetensors, type StTensor } from './safetensors';

const rng = mulberry32(7);
const f32 = (n: number) => Float32Array.from(uniformArray(n, rng));

function sample(): Checkpoint {
  const weights = new Map<string, StTensor>([
    ['gin.layers.0.mlp.0.weight', { dtype: 'F32', shape: [4, 3], data: f32(12) }],
    ['gin.layers.0.mlp.0.bias', { dtype: 'F32', shape: [4], data: f32(4) }],
    ['gin.batch_norms.0.running_mean', { dtype: 'F32', shape: [4], data: f32(4) }],
  ]);
  return {
    preset: 'generative',
    config: { preset: 'generative', gin: { layers: 1, dim: 4 } },
    step: 17,
    weights,
    optimizer: {
      type: 'Adam',
      step: 17,
      lr: 5e-4,
      betas: [0.9, 0.999],
      eps: 1e-8,
      expAvg: new Map([
        ['gin.layers.0.mlp.0.weight', f32(12)],
        ['gin.layers.0.mlp.0.bias', f32(4)],
      ]),
      expAvgSq: new Map([
        ['gin.layers.0.mlp.0.weight', f32(12)],
        ['gin.layers.0.mlp.0.bias', f32(4)],
      ]),
    },
    trainer: {
      seed: 3,
      batchSize: 2,
      baseLr: 1e-3,
      logEvery: 5,
      dataset: { name: 'qm9like', molecules: 5 },
      epoch: 2,
      cursor: 4,
      order: Uint32Array.from([3, 0, 4, 1, 2]),
      skippedSteps: 1,
    },
  };
}

/** Rewrites the JSON header of a safetensors file (keeping its data section) to inject a fault. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected an error matching ${pattern}`).toBeInstanceOf(CheckpointError);
  expect((caught as Error).message).toMatch(pattern);
}

describe('safetensors', () => {
  it('writes the documented layout: u64 LE header length, JSON header, aligned data', () => {
    const data = Float32Array.from([1.5, -2, 3.25]);
    const bytes = writeSafetensors([['a.weight', { dtype: 'F32', shape: [3], data }], ['b', { dtype: 'U32', shape: [1, 2], data: Uint32Array.from([7, 9]) }]], { k: 'v' });
    const view = new DataView(bytes.buffer);
    const n = view.getUint32(0, true);
    expect(view.getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [0, 12] });
    expect(header.b).toEqual({ dtype: 'U32', shape: [1, 2], data_offsets: [12, 20] });
    expect(bytes.length).toBe(8 + n + 20);
    // Little-endian float32 bytes at the documented offsets.
    expect(view.getFloat32(8 + n + 4, true)).toBe(-2);
    expect(view.getUint32(8 + n + 16, true)).toBe(9);
  });

  it('round-trips tensors and metadata bit for bit', () => {
    const a = f32(33);
    const b = Int32Array.from([-5, 0, 2147483647]);
    const file = readSafetensors(writeSafetensors([['x', { dtype: 'F32', shape: [3, 11], data: a }], ['y', { dtype: 'I32', shape: [3], data: b }]], { m: '1' }));
    expect(file.metadata).toEqual({ m: '1' });
    expect(file.tensors.get('x')!.shape).toEqual([3, 11]);
    expect(Array.from(file.tensors.get('x')!.data)).toEqual(Array.from(a));
    expect(file.tensors.get('y')!.dtype).toBe('I32');
    expect(Array.from(file.tensors.get('y')!.data)).toEqual(Array.from(b));
  });
});

describe('checkpoint encode/decode', () => {
  it('round-trips weights, optimiser state, trainer state and metadata', () => {
    const c = sample();
    const d = decodeCheckpoint(encodeCheckpoint(c));
    expect(d.preset).toBe('generative');
    expect(d.step).toBe(17);
    expect(d.config).toEqual(c.config);
    for (const [name, t] of c.weights) {
      expect(d.weights.get(name)!.shape).toEqual(t.shape);
      expect(Array.from(d.weights.get(name)!.data)).toEqual(Array.from(t.data));
    }
    expect(d.optimizer!.step).toBe(17);
    expect(d.optimizer!.lr).toBe(5e-4);
    expect(d.optimizer!.betas).toEqual([0.9, 0.999]);
    for (const [name, m] of c.optimizer!.expAvg) {
      expect(Array.from(d.optimizer!.expAvg.get(name)!)).toEqual(Array.from(m));
      expect(Array.from(d.optimizer!.expAvgSq.get(name)!)).toEqual(Array.from(c.optimizer!.expAvgSq.get(name)!));
    }
    const { order, ...rest } = c.trainer!;
    const { order: dOrder, ...dRest } = d.trainer!;
    expect(dRest).toEqual(rest);
    expect(Array.from(dOrder)).toEqual(Array.from(order));
  });

  it('names optimiser state PyTorch-style under optimizer.state.<param>', () => {
    const names = [...readSafetensors(encodeCheckpoint(sample())).tensors.keys()];
    expect(names).toContain('optimizer.state.gin.layers.0.mlp.0.weight.exp_avg');
    expect(names).toContain('optimizer.state.gin.layers.0.mlp.0.bias.exp_avg_sq');
    expect(names).toContain('trainer.data.order');
    // Buffers are not trained: no optimiser state for them.
    expect(names.some((n) => n.startsWith('optimizer.state.gin.batch_norms'))).toBe(false);
  });

  it('reads from a Node Buffer that is a view into a larger pool', () => {
    const c = sample();
    const bytes = encodeCheckpoint(c);
    const pool = Buffer.alloc(bytes.length + 24);
    pool.set(bytes, 16);
    const view = pool.subarray(16, 16 + bytes.length);
    const d = decodeCheckpoint(view);
    expect(Array.from(d.trainer!.order)).toEqual([3, 0, 4, 1, 2]);
    const w = c.weights.get('gin.layers.0.mlp.0.weight')!;
    expect(Array.from(d.weights.get('gin.layers.0.mlp.0.weight')!.data)).toEqual(Array.from(w.data));
  });

  it('round-trips a weights-only checkpoint', () => {
    const c = { ...sample(), optimizer: null, trainer: null };
    const d = decodeCheckpoint(encodeCheckpoint(c));
    expect(d.optimizer).toBeNull();
    expect(d.trainer).toBeNull();
    expect(d.weights.size).toBe(3);
  });
});

describe('checkpoint corruption', () => {
  const good = () => encodeCheckpoint(sample());

  it('rejects a file shorter than the length field', () => {
    expectError(() => decodeCheckpoint(new Uint8Array(5)), /5 bytes, too short/);
  });

  it('rejects a header length beyond the file size', () => {
    const b = good();
    new DataView(b.buffer).setUint32(0, b.length, true);
    expectError(() => decodeCheckpoint(b), /header length \d+ exceeds the file size/);
    const c = good();
    new DataView(c.buffer).setUint32(4, 1, true);
    expectError(() => decodeCheckpoint(c), /exceeds the file size/);
  });

  it('rejects a truncated file', () => {
    const b = good();
    expectError(() => decodeCheckpoint(b.subarray(0, b.length - 4)), /run past the end of the data section/);
  });

  it('rejects a header that is not JSON', () => {
    const b = good();
    b[8] = 0x7b; // '{'
    b[9] = 0x7b;
    expectError(() => decodeCheckpoint(b), /header is not valid JSON/);
  });

  it('rejects an unsupported dtype, naming the tensor', () => {
    const b = withHeader(good(), (h) => (h['gin.layers.0.mlp.0.bias'].dtype = 'F16'));
    expectError(() => decodeCheckpoint(b), /tensor 'gin.layers.0.mlp.0.bias': unsupported dtype "F16"/);
  });

  it('rejects a bad shape', () => {
    const b = withHeader(good(), (h) => (h['gin.layers.0.mlp.0.bias'].shape = [2, -2]));
    expectError(() => decodeCheckpoint(b), /'gin.layers.0.mlp.0.bias': shape \[2,-2\] is not a list of non-negative integers/);
  });

  it('rejects offsets whose size does not match the shape', () => {
    const b = withHeader(good(), (h) => (h['gin.layers.0.mlp.0.bias'].shape = [5]));
    expectError(() => decodeCheckpoint(b), /'gin.layers.0.mlp.0.bias': data_offsets \[\d+, \d+\] hold 16 bytes, but F32 \[5\] needs 20/);
  });

  it('rejects offsets out of bounds', () => {
    const b = withHeader(good(), (h) => {
      const [s, e] = h['gin.layers.0.mlp.0.bias'].data_offsets;
      h['gin.layers.0.mlp.0.bias'].data_offsets = [s + 1e6, e + 1e6];
    });
    expectError(() => decodeCheckpoint(b), /'gin.layers.0.mlp.0.bias': data_offsets .* run past the end/);
  });

  it('rejects overlapping tensors', () => {
    const b = withHeader(good(), (h) => {
      // Point the bias at the first 16 bytes of the weight.
      const [s] = h['gin.layers.0.mlp.0.weight'].data_offsets;
      h['gin.layers.0.mlp.0.bias'].data_offsets = [s, s + 16];
    });
    expectError(() => decodeCheckpoint(b), /overlap/);
  });

  it('rejects bytes that belong to no tensor', () => {
    const b = withHeader(good(), (h) => delete h['gin.batch_norms.0.running_mean']);
    expectError(() => decodeCheckpoint(b), /belong to no tensor/);
  });

  it('rejects a foreign file, a future version and a bad config', () => {
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => (h.__metadata__.format = 'other'))), /not a MoleculeSDE lab checkpoint/);
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => (h.__metadata__.format_version = '99'))), /format_version 99 is newer/);
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => (h.__metadata__.config = '{oops'))), /metadata 'config' is not valid JSON/);
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => delete h.__metadata__.config)), /metadata 'config' is missing/);
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => (h.__metadata__.preset = 'huge'))), /preset "huge"/);
    expectError(() => decodeCheckpoint(withHeader(good(), (h) => (h.__metadata__.step = '-3'))), /'step' is -3/);
  });

  it('rejects optimiser state without its partner moment or for an unknown weight', () => {
    const c = sample();
    c.optimizer!.expAvgSq.delete('gin.layers.0.mlp.0.bias');
    expectError(() => encodeCheckpoint(c), /optimiser state of 'gin.layers.0.mlp.0.bias' lacks exp_avg_sq/);
    const b = withHeader(good(), (h) => {
      h['optimizer.state.nope.exp_avg'] = h['optimizer.state.gin.layers.0.mlp.0.bias.exp_avg'];
      delete h['optimizer.state.gin.layers.0.mlp.0.bias.exp_avg'];
    });
    expectError(() => decodeCheckpoint(b), /'optimizer.state.nope.exp_avg' belongs to no weight 'nope'/);
  });

  it('rejects a data order that is not a permutation', () => {
    const c = sample();
    c.trainer!.order = Uint32Array.from([0, 1, 1, 2, 3]);
    expectError(() => decodeCheckpoint(encodeCheckpoint(c)), /not a permutation/);
  });
});

describe('checkpoint against a model', () => {
  async function model(bias = 4): Promise<CheckpointableModel> {
    const e = await testEngine();
    const w = e.fromArray(f32(12), [4, 3], { persistent: true, requiresGrad: true });
    const b = e.fromArray(f32(bias), [bias], { persistent: true, requiresGrad: true });
    const rm = e.fromArray(f32(4), [4], { persistent: true });
    return {
      parameters: () => [
        { name: 'gin.layers.0.mlp.0.weight', tensor: w },
        { name: 'gin.layers.0.mlp.0.bias', tensor: b },
      ],
      buffers: () => [{ name: 'gin.batch_norms.0.running_mean', tensor: rm }],
    };
  }

  it('restores weights onto the GPU and reads them back unchanged', async () => {
    const e = await testEngine();
    const c = sample();
    const m = await model();
    restoreWeights(e, m, decodeCheckpoint(encodeCheckpoint(c)));
    const back = await snapshotWeights(e, m);
    for (const [name, t] of c.weights) expect(Array.from(back.get(name)!.data)).toEqual(Array.from(t.data));
    e.endStep();
  });

  it('names a missing tensor', async () => {
    const c = sample();
    c.weights.delete('gin.batch_norms.0.running_mean');
    expectError(() => checkAgainstModel(c, { parameters: () => [], buffers: () => [] }), /not part of this model/);
    expect(() => checkAgainstModel(c, { parameters: () => [], buffers: () => [] })).toThrow(CheckpointError);
    const m = await model();
    expectError(() => checkAgainstModel(decodeCheckpoint(encodeCheckpoint(c)), m), /tensor 'gin.batch_norms.0.running_mean' is missing/);
  });

  it('names a mis-shaped tensor', async () => {
    const m = await model(5);
    expectError(() => checkAgainstModel(decodeCheckpoint(encodeCheckpoint(sample())), m), /tensor 'gin.layers.0.mlp.0.bias' has shape \[4\], the model expects \[5\]/);
  });

  it('names a parameter without optimiser state', async () => {
    const c = sample();
    c.optimizer!.expAvg.delete('gin.layers.0.mlp.0.weight');
    c.optimizer!.expAvgSq.delete('gin.layers.0.mlp.0.weight');
    const m = await model();
    expectError(() => checkAgainstModel(decodeCheckpoint(encodeCheckpoint(c)), m), /optimiser state of parameter 'gin.layers.0.mlp.0.weight' is missing/);
  });
});
