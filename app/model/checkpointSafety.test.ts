/**
 * Issue 12: nothing in a checkpoint is trusted. Non-finite weights and absurd config sizes are
 * refused with a CheckpointError naming them, before the model would sample NaN or a buffer
 * allocation would fail ("Invalid typed array length").
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { checkFiniteWeights, modelFromCheckpoint } from './loadModel';
import { randomCheckpoint } from './testCheckpoint';

describe('loading a checkpoint', () => {
  it('a NaN weight is refused naming the tensor and entry; the clean checkpoint loads', async () => {
    const engine = await testEngine();
    const bytes = await randomCheckpoint(engine);
    const c = decodeCheckpoint(bytes);
    expect(() => checkFiniteWeights(c)).not.toThrow();
    const [name, t] = [...c.weights][3];
    const data = Float32Array.from(t.data as Float32Array);
    data[2] = Number.NaN;
    c.weights.set(name, { ...t, data });
    const bad = encodeCheckpoint(c);
    expect(() => modelFromCheckpoint(engine, bad)).toThrow(CheckpointError);
    expect(() => modelFromCheckpoint(engine, bad)).toThrow(new RegExp(`weight '${name.replace(/\./g, '\\.')}' holds NaN at entry 2`));
    expect(modelFromCheckpoint(engine, bytes).step).toBe(0);
  });

  it('a config asking for gin.dim = 100000 is refused before any buffer is sized from it', async () => {
    const engine = await testEngine();
    const c = decodeCheckpoint(await randomCheckpoint(engine));
    c.config = { ...c.config, gin: { ...(c.config.gin as object), dim: 100_000 }, schnet: { ...(c.config.schnet as object), dim: 100_000 } };
    expect(() => modelFromCheckpoint(engine, encodeCheckpoint(c))).toThrow(/model config is not usable: config: gin\.dim must be an integer in 1\.\.2048, got 100000/);
  });
});
