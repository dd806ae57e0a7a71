import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { getRDKit } from '../chem/rdkit';
import { readSdf, readSmiles } from '../chem/io';
import { resolveConfig } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { loadFixtureMolecules } from '../sde/testFixtures';
import { randomCheckpoint, TINY_OVERRIDES } from '../model/testCheckpoint';
import { toMolblock } from '../chem/molfile';
import type { OutgoingEvent } from './protocol';
import { GpuLock } from './gpuLock';
import { ModelRegistry } from './models';
import { SamplingHandlers } from './sampleHandlers';

async function handlers(trained: boolean) {
  const e = await testEngine();
  const events: OutgoingEvent[] = [];
  let fetches = 0;
  const bytes = await randomCheckpoint(e, 'generative', 2);
  const model = trained ? new MoleculeSDE(e, resolveConfig('generative', TINY_OVERRIDES), 5) : null;
  const lock = new GpuLock();
  const models = new ModelRegistry({
    engine: () => e,
    lock,
    trained: () => model,
    fetchShipped: async () => {
      fetches++;
      return bytes.slice().buffer;
    },
  });
  const h = new SamplingHandlers({ engine: () => e, post: (ev) => void events.push(ev), exclusive: (fn) => lock.run(fn), models });
  return { h, events, fetches: () => fetches };
}

describe('worker sampling handlers', () => {
  it("'sample' streams sampleFrames every frameStride steps and ends with sampleDone holding an SDF of the conformers", async () => {
    const { h, events, fetches } = await handlers(false);
    const request = { molecule: 'CC(=O)O', count: 3, steps: 6, seed: 4, sampler: 'pc' as const, correctorSteps: 1, snr: 0.2, frameStride: 3, weights: 'default' as const };
    await h.sample(request, 11);
    expect(events.map((ev) => [ev.type, ev.replyTo])).toEqual([['sampleFrames', 11], ['sampleFrames', 11], ['sampleDone', 11]]);
    const frames = events.filter((ev) => ev.type === 'sampleFrames');
    expect(frames.map((f) => f.step)).toEqual([3, 6]);
    for (const f of frames) expect(f.positions.length).toBe(3 * 4 * 3);
    // Each frame says where on the schedule it is and carries a finite, positive score norm per atom.
    expect(frames[0].t).toBeGreaterThan(frames[1].t);
    for (const f of frames) {
      expect(f.sigma).toBeGreaterThan(0);
      expect(f.scoreNorms?.length).toBe(3 * 4);
      expect(Array.from(f.scoreNorms!).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    }
    const done = events[2] as Extract<OutgoingEvent, { type: 'sampleDone' }>;
    expect([done.count, done.atoms, done.positions.length]).toEqual([3, 4, 36]);
    const rd = await getRDKit();
    const sdf = readSdf(rd, done.sdf);
    expect(sdf.errors).toEqual([]);
    expect(sdf.molecules.map((m) => m.molecule.smiles)).toEqual(['CC(=O)O', 'CC(=O)O', 'CC(=O)O']);
    // The default weights are loaded once and reused.
    await h.sample({ ...request, molecule: toMolblock(readSmiles(rd, 'CCO')) });
    expect(fetches()).toBe(1);
    // 'trained' without a trained model is an error that says so.
    await expect(h.sample({ ...request, weights: 'trained' })).rejects.toMatchObject({ code: 'no-model', message: expect.stringMatching(/no trained model/) });
    await expect(h.sample({ ...request, molecule: 'C1CC' })).rejects.toThrow(/SMILES/);
    await expect(h.sample({ ...request, count: 0 })).rejects.toMatchObject({ code: 'bad-request' });
  });

  it('default weights that are not a checkpoint (an HTML page from a static server) give a message that says so', async () => {
    const e = await testEngine();
    const lock = new GpuLock();
    const models = new ModelRegistry({
      engine: () => e,
      lock,
      trained: () => null,
      fetchShipped: async () => new TextEncoder().encode('<!doctype html><html></html>').buffer as ArrayBuffer,
    });
    const h = new SamplingHandlers({ engine: () => e, post: () => undefined, exclusive: (fn) => lock.run(fn), models });
    const request = { molecule: 'CCO', count: 1, steps: 2, seed: 1, sampler: 'pc' as const, correctorSteps: 0, snr: 0.2, frameStride: 0, weights: 'default' as const };
    await expect(h.sample(request)).rejects.toMatchObject({ code: 'bad-checkpoint', message: expect.stringMatching(/default weights .* not a usable checkpoint/) });
  });

  it("'generateTopology' streams n x n adjacency frames and returns the decoded graph", async () => {
    const { h, events } = await handlers(true);
    const rd = await getRDKit();
    const mol = loadFixtureMolecules(rd).get('ethanol')!;
    await h.generateTopology({ molblock: toMolblock(mol), steps: 4, seed: 1, frameStride: 2 }, 12);
    expect(events.map((ev) => [ev.type, ev.replyTo])).toEqual([['topologyFrames', 12], ['topologyFrames', 12], ['topologyDone', 12]]);
    for (const ev of events) if (ev.type === 'topologyFrames') expect([ev.atoms, ev.adjacency.length]).toEqual([3, 9]);
    const done = events[2] as Extract<OutgoingEvent, { type: 'topologyDone' }>;
    expect(done.adjacency.length).toBe(9);
    expect(done.atomTypes.length).toBe(3);
    expect(done.smiles === null).toBe(done.reason !== null);
    await expect(h.generateTopology({ molblock: toMolblock({ ...mol, positions: undefined }), steps: 4, seed: 1, frameStride: 2 })).rejects.toThrow(/no 3D coordinates/);
  });
});
