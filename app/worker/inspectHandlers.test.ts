/**
 * The worker's 'noiseLevels' on one given molecule (the 2D->3D tab's inspector): it measures on
 * that molecule with its reference conformer, one row per sigma of the model's ladder, and
 * rejects a conformer that does not fit the molecule.
 */
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { getRDKit } from '../chem/rdkit';
import { readSmiles } from '../chem/io';
import { toMolblock } from '../chem/molfile';
import { randomCheckpoint } from '../model/testCheckpoint';
import type { OutgoingEvent } from './protocol';
import { GpuLock } from './gpuLock';
import { ModelRegistry } from './models';
import { InspectHandlers } from './inspectHandlers';

describe("worker 'noiseLevels' on a given molecule", () => {
  it('one row per sigma of the ladder on that molecule; a conformer of the wrong size is a bad request', async () => {
    const e = await testEngine();
    const bytes = await randomCheckpoint(e, 'generative', 2);
    const lock = new GpuLock();
    const models = new ModelRegistry({ engine: () => e, lock, trained: () => null, fetchShipped: async () => bytes.slice().buffer });
    const events: OutgoingEvent[] = [];
    const h = new InspectHandlers({
      engine: () => e,
      post: (ev) => void events.push(ev),
      exclusive: (fn) => lock.run(fn),
      models,
      dataset: () => Promise.reject(new Error('no data set is needed for a given molecule')),
    });
    const rd = await getRDKit();
    const molblock = toMolblock(readSmiles(rd, 'CCO'));
    // Ethanol's heavy atoms: C-C 1.53 Å, C-O 1.43 Å at a tetrahedral angle.
    const positions = new Float32Array([0, 0, 0, 1.53, 0, 0, 2.0, 1.35, 0]);
    await h.noiseLevels({ model: 'default', dataset: 'unused', count: 1, repeats: 1, seed: 0, molecule: { molblock, positions, origin: 'a test conformer' } }, 7);
    expect(events).toHaveLength(1);
    const r = events[0] as Extract<OutgoingEvent, { type: 'noiseLevelsResult' }>;
    expect([r.type, r.replyTo, r.dataset]).toEqual(['noiseLevelsResult', 7, 'a test conformer']);
    expect(r.molecules).toEqual(['CCO']);
    // The generative preset's VE range is 0.01-10 Å: the decades and both ends.
    expect(r.rows.map((row) => row.sigma)).toEqual([0.01, 0.03, 0.1, 0.3, 1, 3, 10]);
    for (let i = 1; i < r.rows.length; i++) expect(r.rows[i].noisyRmsd).toBeGreaterThan(r.rows[i - 1].noisyRmsd);
    await expect(h.noiseLevels({ model: 'default', dataset: 'unused', count: 1, repeats: 1, seed: 0, molecule: { molblock, positions: positions.subarray(0, 6), origin: 'x' } })).rejects.toMatchObject({
      code: 'bad-request',
      message: expect.stringMatching(/9 finite coordinates/),
    });
  });
});
