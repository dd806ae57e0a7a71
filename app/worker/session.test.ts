import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { writeDataset } from '../data/write';
import { tinyMolecules } from '../model/testMolecules';
import { decodeCheckpoint } from '../model/checkpoint';
import type { TrainConfig, OutgoingEvent } from './protocol';
import { TrainingSession } from './session';

const TINY = {
  gin: { numLayers: 2, dim: 16 },
  schnet: { numInteractions: 1, dim: 16, numFilters: 16, numGaussians: 8 },
  score2Dto3D: { numBlocks: 1 },
  score3Dto2D: { nfeat: 16, depthX: 2, numLayers: 2 },
  numAtomClasses: 10,
};

function datasetBytes(): ArrayBuffer {
  const mols = tinyMolecules(5, 4, 3, 6).map((m, i) => ({
    smiles: `M${i}`, atomFeatures: m.atomFeatures, bonds: m.bonds, bondFeatures: m.bondFeatures, positions: m.positions!, labels: [],
    split: 'train' as const, scaffoldId: 0,
  }));
  const bytes = writeDataset(mols, { meta: { name: 'tiny', labelNames: [], labelUnits: [] }, numScaffolds: 1 });
  return bytes.slice().buffer as ArrayBuffer;
}

/** A session wired to a real engine, recording every event and waiting for the next of a type. */
async function harness() {
  const engine = await testEngine();
  const events: OutgoingEvent[] = [];
  const transfers: Transferable[][] = [];
  const waiters: { type: OutgoingEvent['type']; resolve: (e: OutgoingEvent) => void }[] = [];
  const session = new TrainingSession({
    engine: () => engine,
    post: (event, transfer = []) => {
      events.push(event);
      transfers.push(transfer);
      const i = waiters.findIndex((w) => w.type === event.type);
      if (i >= 0) waiters.splice(i, 1)[0].resolve(event);
    },
    fetchDataset: async (name) => {
      if (name !== 'tiny') throw new Error(`no data set ${name}`);
      return datasetBytes();
    },
  });
  const next = <T extends OutgoingEvent['type']>(type: T) =>
    new Promise<Extract<OutgoingEvent, { type: T }>>((resolve) => waiters.push({ type, resolve: resolve as (e: OutgoingEvent) => void }));
  return { engine, session, events, transfers, next };
}

const config = (extra: Partial<TrainConfig> = {}): TrainConfig => ({
  preset: 'paper', overrides: TINY, dataset: 'tiny', batchSize: 2, lr: 1e-3, seed: 3, totalSteps: 4, logEvery: 2, ...extra,
});

describe('TrainingSession (the worker training commands)', () => {
  it('loads a data set, trains to the end with progress per window, saves and reloads a checkpoint', async () => {
    const { session, events, transfers, next } = await harness();
    await session.loadDataset('tiny', 1);
    expect(events[0]).toEqual({ type: 'datasetLoaded', name: 'tiny', molecules: 5, replyTo: 1 });

    // The run's progress and 'done' answer the command that started it.
    const done = next('done');
    await session.startTraining(config(), undefined, 2);
    const finished = await done;
    expect([finished.step, finished.replyTo]).toEqual([4, 2]);
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.map((p) => [p.step, p.replyTo])).toEqual([[2, 2], [4, 2]]);
    for (const p of progress) {
      expect(p.totalSteps).toBe(4);
      expect(p.parameterCount).toBeGreaterThan(1000);
      expect(p.stepsPerSecond).toBeGreaterThan(0);
      expect(p.moleculesPerSecond).toBeCloseTo(2 * p.stepsPerSecond, 6);
      for (const v of Object.values(p.losses)) expect(Number.isFinite(v)).toBe(true);
    }

    const saved = next('checkpoint');
    await session.saveCheckpoint(3);
    const ckpt = await saved;
    expect([ckpt.step, ckpt.replyTo]).toEqual([4, 3]);
    expect(transfers[events.indexOf(ckpt)]).toEqual([ckpt.bytes]);
    expect(decodeCheckpoint(ckpt.bytes).trainer!.dataset).toEqual({ name: 'tiny', molecules: 5 });

    const paused = next('paused');
    await session.loadCheckpoint(ckpt.bytes.slice(0), 6, 4);
    const p = await paused;
    expect([p.step, p.replyTo]).toEqual([4, 4]);
    // Continue the loaded run to its new total.
    const done2 = next('done');
    session.resume(5);
    const d2 = await done2;
    expect([d2.step, d2.replyTo]).toEqual([6, 5]);
  });

  it('pauses after the current step, single-steps with losses read back at once, resumes and stops', async () => {
    const { session, events, next } = await harness();
    const paused = next('paused');
    await session.startTraining(config({ totalSteps: 50, logEvery: 5 }));
    session.pause();
    const at = (await paused).step;
    expect(at).toBeGreaterThanOrEqual(1);
    expect(at).toBeLessThan(50);
    expect(session.runState).toBe('paused');

    const before = events.length;
    await session.stepOnce();
    const p = events.slice(before).find((e) => e.type === 'progress');
    expect(p && p.type === 'progress' && p.step).toBe(at + 1);

    const done = next('done');
    session.resume();
    await session.stop();
    expect((await done).step).toBeLessThan(50);
    expect(session.runState).toBe('stopped');
  });

  it('rejects commands that need a run, and bad data set names, each with its error code', async () => {
    const { session } = await harness();
    expect(() => session.resume()).toThrow(expect.objectContaining({ code: 'no-run', message: expect.stringMatching(/no training run/) }));
    await expect(session.saveCheckpoint()).rejects.toMatchObject({ code: 'no-run', message: expect.stringMatching(/no training run/) });
    await expect(session.loadDataset('../etc/passwd')).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/not a data set name/) });
    await expect(session.loadDataset('missing')).rejects.toMatchObject({ code: 'dataset', message: expect.stringMatching(/no data set missing/) });
  });
});

describe('TrainingSession edge cases', () => {
  it('a single Step that closes a logging window reports its losses', async () => {
    const { session, events, next } = await harness();
    const paused = next('paused');
    const start = session.startTraining(config({ logEvery: 1, totalSteps: 10 }));
    session.pause(); // arrives while the run is being set up
    await start;
    await paused;
    expect(session.runState).toBe('paused');
    const before = events.filter((e) => e.type === 'progress').length;
    await session.stepOnce();
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBe(before + 1);
    const last = progress[progress.length - 1];
    expect(last.type === 'progress' && last.step).toBe(before + 1);
  });
});
