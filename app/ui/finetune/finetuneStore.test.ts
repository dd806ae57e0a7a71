import { describe, expect, it } from 'vitest';
import type { Command, WorkerEvent } from '../../worker/protocol';
import { fakeWorker } from '../fakeWorker';
import { WorkerClient } from '../workerClient';
import { connectFinetune, useFinetune } from './finetuneStore';

/** The fake worker, answering as the fine-tuning handlers do (source 'finetune'). */
function finetuneWorker() {
  const { w, posted } = fakeWorker();
  const reply = (e: Record<string, unknown>) => w.reply({ source: 'finetune', ...e } as unknown as WorkerEvent);
  return { w: { ...w, reply }, client: new WorkerClient(() => w), posted };
}

const record = (epoch: number) => ({ epoch, trainLoss: 1 / epoch }) as never;

describe('fine-tune store: events are matched to the run that asked for them', () => {
  it("ignores a cancelled run's late epochs and result once a new run has started", () => {
    const { w, client, posted } = finetuneWorker();
    const lastId = () => (posted.at(-1) as Command & { id: number }).id;
    const off = connectFinetune(client);
    useFinetune.setState({ csv: 'smiles,y\nCCO,1\n' });
    useFinetune.getState().start(client);
    const runA = lastId();
    w.reply({ type: 'finetuneEpoch', arm: 'pretrained', seedIndex: 0, seed: 0, record: record(1), replyTo: runA });
    expect(useFinetune.getState().curve).toHaveLength(1);

    useFinetune.getState().control(client, 'finetuneCancel');
    useFinetune.getState().start(client);
    const runB = lastId();
    expect(runB).not.toBe(runA);
    expect(useFinetune.getState().curve).toHaveLength(0);

    // Run A finishes its epoch after the cancel: none of it may reach run B's state.
    w.reply({ type: 'finetuneEpoch', arm: 'pretrained', seedIndex: 0, seed: 0, record: record(2), replyTo: runA });
    w.reply({ type: 'finetuneStatus', status: 'cancelled', replyTo: runA });
    w.reply({ type: 'finetuneDone', task: 'regression', metric: 'rmse', labelColumns: ['y'], testSmiles: [], testLines: [], testLabels: new Float64Array(0), arms: [], replyTo: runA });
    expect(useFinetune.getState().curve).toHaveLength(0);
    expect(useFinetune.getState().status).toBe('running');
    expect(useFinetune.getState().result).toBeNull();

    // Run B's own events land.
    w.reply({ type: 'finetuneEpoch', arm: 'scratch', seedIndex: 0, seed: 0, record: record(1), replyTo: runB });
    expect(useFinetune.getState().curve.map((p) => p.arm)).toEqual(['scratch']);
    off();
  });

  it('takes pause/resume status from the commands it sent, and only the latest prediction', () => {
    const { w, client, posted } = finetuneWorker();
    const lastId = () => (posted.at(-1) as Command & { id: number }).id;
    const off = connectFinetune(client);
    useFinetune.setState({ csv: 'smiles,y\nCCO,1\n' });
    useFinetune.getState().start(client);
    useFinetune.getState().control(client, 'finetunePause');
    const pauseId = lastId();
    w.reply({ type: 'finetuneStatus', status: 'paused', replyTo: pauseId });
    expect(useFinetune.getState().status).toBe('paused');
    // A status answering a command this store never sent is not ours.
    w.reply({ type: 'finetuneStatus', status: 'running', replyTo: pauseId + 100 });
    expect(useFinetune.getState().status).toBe('paused');

    useFinetune.getState().predict(client, ['CCO']);
    const oldPredict = lastId();
    useFinetune.getState().predict(client, ['CCN']);
    const newPredict = lastId();
    w.reply({ type: 'finetunePredictions', labelColumns: ['y'], task: 'regression', rows: [{ smiles: 'CCO' }], replyTo: oldPredict });
    expect(useFinetune.getState().predictions).toBeNull();
    w.reply({ type: 'finetunePredictions', labelColumns: ['y'], task: 'regression', rows: [{ smiles: 'CCN' }], replyTo: newPredict });
    expect(useFinetune.getState().predictions?.rows[0].smiles).toBe('CCN');
    off();
  });
});
