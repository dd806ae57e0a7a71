/**
 * The Fine-tune panel's state: the CSV (text and parsed table; kept in this tab only), the run
 * settings (in the URL hash, see urlState.ts), and what the worker streams back: the kept/dropped
 * rows, per-epoch records of both arms, the final report and predictions for new SMILES.
 */
import { create } from 'zustand';
import { parseCsv, type CsvTable } from '../../finetune/csv';
import type { EpochRecord } from '../../finetune/train';
import type { EventOf, WorkerClient } from '../workerClient';
import type { FinetuneRequest } from '../../worker/protocol';

export interface FinetuneSettings {
  smilesColumn: string;
  /** Comma-separated label column names (a string so it round-trips through the URL). */
  labelColumns: string;
  task: 'auto' | 'classification' | 'regression';
  split: 'scaffold' | 'random';
  pretrained: 'default' | 'paper' | 'trained';
  seeds: number;
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  dropout: number;
  patience: number;
}

export const DEFAULT_FINETUNE_SETTINGS: FinetuneSettings = {
  smilesColumn: 'smiles',
  labelColumns: '',
  task: 'auto',
  split: 'scaffold',
  pretrained: 'default',
  seeds: 3,
  seed: 0,
  epochs: 20,
  batchSize: 32,
  lr: 0.001,
  dropout: 0.5,
  patience: 10,
};

export interface CurvePoint {
  arm: 'pretrained' | 'scratch';
  seedIndex: number;
  record: EpochRecord;
}

type Status = 'idle' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';

interface FinetuneState {
  settings: FinetuneSettings;
  fileName: string | null;
  csv: string | null;
  table: CsvTable | null;
  parseError: string | null;
  status: Status;
  error: string | null;
  data: EventOf<'finetuneData'> | null;
  curve: CurvePoint[];
  result: EventOf<'finetuneDone'> | null;
  predictions: EventOf<'finetunePredictions'> | null;
  predicting: boolean;
  set(patch: Partial<FinetuneSettings>): void;
  loadCsv(name: string, text: string): void;
  start(client: WorkerClient): void;
  /** Pause, resume or cancel the running experiment (between epochs). */
  control(client: WorkerClient, action: 'finetunePause' | 'finetuneResume' | 'finetuneCancel'): void;
  predict(client: WorkerClient, smiles: string[]): void;
}

export const labelList = (s: FinetuneSettings) => s.labelColumns.split(',').map((x) => x.trim()).filter(Boolean);

/** A SMILES column guess: a header named like smiles, else the first column. */
function guessColumns(table: CsvTable, settings: FinetuneSettings): Partial<FinetuneSettings> {
  const patch: Partial<FinetuneSettings> = {};
  if (!table.header.includes(settings.smilesColumn)) patch.smilesColumn = table.header.find((h) => /smiles/i.test(h)) ?? table.header[0];
  const smiles = patch.smilesColumn ?? settings.smilesColumn;
  const labels = labelList(settings).filter((l) => table.header.includes(l) && l !== smiles);
  if (labels.length === 0) {
    const first = table.header.find((h) => h !== smiles && !/^(id|name|split|index)$/i.test(h));
    patch.labelColumns = first ?? '';
  } else if (labels.join(',') !== settings.labelColumns) {
    patch.labelColumns = labels.join(',');
  }
  return patch;
}

export const useFinetune = create<FinetuneState>((set, get) => ({
  settings: DEFAULT_FINETUNE_SETTINGS,
  fileName: null,
  csv: null,
  table: null,
  parseError: null,
  status: 'idle',
  error: null,
  data: null,
  curve: [],
  result: null,
  predictions: null,
  predicting: false,
  set: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
  loadCsv: (name, text) => {
    try {
      const table = parseCsv(text);
      set((s) => ({ fileName: name, csv: text, table, parseError: null, settings: { ...s.settings, ...guessColumns(table, s.settings) } }));
    } catch (e) {
      set({ fileName: name, csv: null, table: null, parseError: (e as Error).message });
    }
  },
  start: (client) => {
    const { csv, settings } = get();
    if (!csv) return;
    const request: FinetuneRequest = {
      csv,
      smilesColumn: settings.smilesColumn,
      labelColumns: labelList(settings),
      ...(settings.task !== 'auto' ? { task: settings.task } : {}),
      split: settings.split,
      pretrained: settings.pretrained,
      seeds: settings.seeds,
      seed: settings.seed,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      lr: settings.lr,
      dropout: settings.dropout,
      patience: settings.patience,
    };
    set({ status: 'running', error: null, data: null, curve: [], result: null, predictions: null });
    startId = client.send({ type: 'finetuneStart', request });
    controlIds.clear();
  },
  control: (client, action) => {
    controlIds.add(client.send({ type: action }));
  },
  predict: (client, smiles) => {
    set({ predicting: true, predictions: null });
    predictId = client.send({ type: 'finetunePredict', smiles });
  },
}));

/**
 * Ids of the running 'finetuneStart', of the pause/resume/cancel commands sent during it, and of
 * the last 'finetunePredict'. Replies and errors are matched by them, so the late events of a run
 * that was cancelled and replaced (the worker finishes its epoch first) never land in the new
 * run's curves, and an old prediction never overwrites a newer one.
 */
let startId: number | null = null;
const controlIds = new Set<number>();
let predictId: number | null = null;

const ofThisRun = (e: { replyTo: number | null }) => e.replyTo !== null && e.replyTo === startId;

/** Routes the worker's fine-tuning events (and the errors that answer them) into the store. */
export function connectFinetune(client: WorkerClient): () => void {
  const offs = [
    client.on('finetuneData', (e) => ofThisRun(e) && useFinetune.setState({ data: e })),
    client.on('finetuneEpoch', (e) => ofThisRun(e) && useFinetune.setState((s) => ({ curve: [...s.curve, { arm: e.arm, seedIndex: e.seedIndex, record: e.record }] }))),
    client.on('finetuneStatus', (e) => {
      // 'cancelled' answers the run itself; 'paused' / 'running' answer the pause / resume commands.
      if (ofThisRun(e) || (e.replyTo !== null && controlIds.has(e.replyTo))) useFinetune.setState({ status: e.status });
    }),
    client.on('finetuneDone', (e) => ofThisRun(e) && useFinetune.setState({ status: 'done', result: e })),
    client.on('finetunePredictions', (e) => e.replyTo === predictId && useFinetune.setState({ predictions: e, predicting: false })),
    client.on('notice', (e) => {
      const s = useFinetune.getState();
      if (e.code === 'device-lost' && (s.status === 'running' || s.status === 'paused')) useFinetune.setState({ status: 'failed', error: e.message });
    }),
    client.on('error', (e) => {
      const s = useFinetune.getState();
      const workerFailed = e.replyTo === null && !e.recoverable;
      if (s.predicting && (e.replyTo === predictId || workerFailed)) useFinetune.setState({ predicting: false, error: e.message });
      if ((s.status === 'running' || s.status === 'paused') && (e.replyTo === startId || workerFailed)) useFinetune.setState({ status: 'failed', error: e.message });
    }),
  ];
  return () => offs.forEach((off) => off());
}
