import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { readSafetensors } from '../model/safetensors';
import type { OutgoingEvent } from './protocol';
import { FinetuneHandlers } from './finetuneHandlers';

const SMILES = ['CCO', 'CCN', 'CCC', 'c1ccccc1', 'c1ccncc1', 'CC(=O)O', 'C1CCCCC1', 'CCOC', 'c1ccoc1', 'NCCO', 'CC#N', 'OC1CCCC1', 'Cc1ccccc1', 'CCCCO', 'C1CCNCC1', 'CC(C)O', 'c1ccsc1', 'CCCl', 'OCC(O)CO', 'C1CC1'];

describe('worker fine-tuning handlers', () => {
  it('runs both arms over the seeds, streams epochs, reports both, and predicts new SMILES', async () => {
    const e = await testEngine();
    const events: OutgoingEvent[] = [];
    const shipped = readFileSync('public/checkpoints/default.safetensors');
    const h = new FinetuneHandlers({
      engine: () => e,
      post: (ev) => void events.push(ev),
      exclusive: async (fn) => fn(),
      trainedModel: () => null,
      fetchCheckpoint: async (name) => {
        if (name !== 'default') throw new Error(`no ${name}`);
        return shipped.slice().buffer;
      },
    });
    const csv = `smiles,active,note\n${SMILES.map((s, i) => `${s},${i % 2},x`).join('\n')}\nnot_a_smiles,1,x\n`;
    await h.start({ csv, smilesColumn: 'smiles', labelColumns: ['active'], split: 'random', pretrained: 'default', seeds: 2, seed: 1, epochs: 2, batchSize: 8, lr: 1e-3, dropout: 0.5, patience: 0 });
    const data = events.find((ev) => ev.type === 'finetuneData') as Extract<OutgoingEvent, { type: 'finetuneData' }>;
    expect(data.task).toBe('classification');
    expect(data.summary).toMatchObject({ rows: 21, kept: 20, dropped: 1 });
    expect(data.errors[0].line).toBe(22);
    const epochs = events.filter((ev) => ev.type === 'finetuneEpoch');
    // 2 seeds x 2 arms x 2 epochs, seed by seed, pretrained first.
    expect(epochs.map((ev) => `${ev.arm}${ev.seed}:${ev.record.epoch}`)).toEqual(['pretrained1:1', 'pretrained1:2', 'scratch1:1', 'scratch1:2', 'pretrained2:1', 'pretrained2:2', 'scratch2:1', 'scratch2:2']);
    const done = events.at(-1) as Extract<OutgoingEvent, { type: 'finetuneDone' }>;
    expect(done.type).toBe('finetuneDone');
    expect(done.arms.map((a) => a.arm)).toEqual(['pretrained', 'scratch']);
    for (const a of done.arms) {
      expect(a.test.perSeed.length).toBe(2);
      expect(a.testPredictions.length).toBe(done.testSmiles.length);
      // The weights file holds the encoder and the head, as the checkpoint names them.
      const w = readSafetensors(new Uint8Array(a.weights), 'weights');
      expect(w.metadata.format).toBe('moleculesde-lab.finetuned');
      expect(w.tensors.has('head.weight') && w.tensors.has('gin.atom_encoder.weight')).toBe(true);
    }

    events.length = 0;
    await h.predict(['CCO', 'C1CC']);
    const p = events[0] as Extract<OutgoingEvent, { type: 'finetunePredictions' }>;
    expect(p.rows[0].pretrained![0]).toBeGreaterThan(0);
    expect(p.rows[0].pretrained![0]).toBeLessThan(1);
    expect(p.rows[0].scratch!.length).toBe(1);
    expect(p.rows[1].error).toMatch(/SMILES/);
  }, 240_000);

  it('a shipped checkpoint that is missing is an error naming it', async () => {
    const e = await testEngine();
    const h = new FinetuneHandlers({ engine: () => e, post: () => undefined, exclusive: async (fn) => fn(), trainedModel: () => null, fetchCheckpoint: async (n) => { throw new Error(`fine-tune: /checkpoints/${n}.safetensors answered 404`); } });
    const csv = `smiles,y\n${SMILES.map((s, i) => `${s},${i}`).join('\n')}\n`;
    await expect(h.start({ csv, smilesColumn: 'smiles', labelColumns: ['y'], split: 'scaffold', pretrained: 'paper', seeds: 1, seed: 0, epochs: 1, batchSize: 8, lr: 1e-3, dropout: 0.5, patience: 0 })).rejects.toThrow(/paper.safetensors answered 404/);
    await expect(h.predict(['CCO'])).rejects.toThrow(/needs a finished/);
  }, 60_000);

  it('pause holds the run between epochs; cancel ends it after the current epoch and says so', async () => {
    const e = await testEngine();
    const events: OutgoingEvent[] = [];
    let h: FinetuneHandlers | null = null;
    let epochsSeen = 0;
    h = new FinetuneHandlers({
      engine: () => e,
      post: (ev) => {
        events.push(ev);
        if (ev.type !== 'finetuneEpoch') return;
        epochsSeen++;
        // Pause after the first epoch, then cancel a little later while paused.
        if (epochsSeen === 1) {
          h!.pause();
          setTimeout(() => h!.cancel(), 200);
        }
      },
      exclusive: async (fn) => fn(),
      trainedModel: () => null,
      fetchCheckpoint: async () => readFileSync('public/checkpoints/default.safetensors').slice().buffer,
    });
    const csv = `smiles,y\n${SMILES.map((s, i) => `${s},${i / 4}`).join('\n')}\n`;
    await h.start({ csv, smilesColumn: 'smiles', labelColumns: ['y'], split: 'random', pretrained: 'default', seeds: 3, seed: 0, epochs: 50, batchSize: 8, lr: 1e-3, dropout: 0.5, patience: 0 });
    expect(epochsSeen).toBe(1);
    const statuses = events.filter((ev) => ev.type === 'finetuneStatus').map((ev) => ev.status);
    expect(statuses).toEqual(['paused', 'running', 'cancelled']);
    expect(events.some((ev) => ev.type === 'finetuneDone')).toBe(false);
  }, 120_000);
});
