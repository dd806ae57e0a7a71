/**
 * Training in the tab: settings (kept in the URL), the run's state as the worker reports it, and
 * the loss history for the charts. The history is kept in plain arrays appended in place and
 * announced by a version counter, so a long run never copies its whole history per event.
 */
import { create } from 'zustand';
import { PRESETS } from '../../model/config';
import type { LossTerms, PresetName, TrainConfig } from '../../worker/protocol';
import type { WorkerClient } from '../workerClient';

export const LOSS_KEYS = ['total', 'contrastive', 'denoise2Dto3D', 'atoms3Dto2D', 'bonds3Dto2D'] as const satisfies readonly (keyof LossTerms)[];
export type LossKey = (typeof LOSS_KEYS)[number];
export const LOSS_LABELS: Record<LossKey, string> = {
  total: 'Total',
  contrastive: 'Contrastive (EBM-NCE)',
  denoise2Dto3D: '2D→3D denoising',
  atoms3Dto2D: '3D→2D atoms',
  bonds3Dto2D: '3D→2D bonds',
};

export const DATASETS = [
  { value: 'qm9like', label: 'QM9-like (≤ 9 heavy atoms, C N O F)' },
  { value: 'druglike', label: 'Drug-like (NCI open set)' },
];

export interface TrainSettings {
  dataset: string;
  preset: PresetName;
  /** GIN and SchNet width (they must match: the contrastive loss pairs H2 and H3 per atom). */
  encoderWidth: number;
  encoderDepth: number;
  /** 2D->3D score network hidden width (8 heads). */
  scoreWidth: number;
  batchSize: number;
  lr: number;
  seed: number;
  totalSteps: number;
  logEvery: number;
  coeffContrastive: number;
  coeffGen2Dto3D: number;
  coeffGen3Dto2D: number;
}

export function presetDefaults(preset: PresetName): Pick<TrainSettings, 'encoderWidth' | 'encoderDepth' | 'scoreWidth' | 'lr' | 'coeffContrastive' | 'coeffGen2Dto3D' | 'coeffGen3Dto2D'> {
  const c = PRESETS[preset];
  return {
    encoderWidth: c.gin.dim,
    encoderDepth: c.gin.numLayers,
    scoreWidth: c.score2Dto3D.hidden,
    lr: c.lr,
    coeffContrastive: c.coeffs.contrastive,
    coeffGen2Dto3D: c.coeffs.gen2Dto3D,
    coeffGen3Dto2D: c.coeffs.gen3Dto2D,
  };
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  dataset: 'qm9like',
  preset: 'generative',
  ...presetDefaults('generative'),
  batchSize: 32,
  seed: 0,
  totalSteps: 2000,
  logEvery: 5,
};

const SCORE_HEADS = 8;

export function sanitizeTrainSettings(s: Partial<TrainSettings>): TrainSettings {
  const d = DEFAULT_TRAIN_SETTINGS;
  const int = (v: number | undefined, lo: number, hi: number, dv: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v!))) : dv);
  const num = (v: number | undefined, lo: number, hi: number, dv: number) => (Number.isFinite(v) ? Math.min(hi, Math.max(lo, v!)) : dv);
  const preset: PresetName = s.preset === 'paper' ? 'paper' : 'generative';
  const scoreWidth = int(s.scoreWidth, SCORE_HEADS, 512, d.scoreWidth);
  return {
    dataset: DATASETS.some((x) => x.value === s.dataset) ? s.dataset! : d.dataset,
    preset,
    encoderWidth: int(s.encoderWidth, 8, 512, d.encoderWidth),
    encoderDepth: int(s.encoderDepth, 1, 8, d.encoderDepth),
    // Heads x head width must equal the hidden width.
    scoreWidth: Math.max(SCORE_HEADS, Math.round(scoreWidth / SCORE_HEADS) * SCORE_HEADS),
    batchSize: int(s.batchSize, 1, 512, d.batchSize),
    lr: num(s.lr, 1e-7, 1, d.lr),
    seed: int(s.seed, 0, 0xffffffff, d.seed),
    totalSteps: int(s.totalSteps, 1, 1_000_000, d.totalSteps),
    logEvery: int(s.logEvery, 1, 1000, d.logEvery),
    coeffContrastive: num(s.coeffContrastive, 0, 100, d.coeffContrastive),
    coeffGen2Dto3D: num(s.coeffGen2Dto3D, 0, 100, d.coeffGen2Dto3D),
    coeffGen3Dto2D: num(s.coeffGen3Dto2D, 0, 100, d.coeffGen3Dto2D),
  };
}

/** The worker's TrainConfig for these settings (overrides are validated again by resolveConfig). */
export function toTrainConfig(s: TrainSettings): TrainConfig {
  return {
    preset: s.preset,
    dataset: s.dataset,
    batchSize: s.batchSize,
    lr: s.lr,
    seed: s.seed,
    totalSteps: s.totalSteps,
    logEvery: s.logEvery,
    overrides: {
      gin: { dim: s.encoderWidth, numLayers: s.encoderDepth },
      schnet: { dim: s.encoderWidth, numFilters: s.encoderWidth, numInteractions: s.encoderDepth },
      score2Dto3D: { hidden: s.scoreWidth, heads: SCORE_HEADS, headDim: s.scoreWidth / SCORE_HEADS },
      coeffs: { contrastive: s.coeffContrastive, gen2Dto3D: s.coeffGen2Dto3D, gen3Dto2D: s.coeffGen3Dto2D },
    },
  };
}

export type TrainStatus = 'idle' | 'starting' | 'running' | 'pausing' | 'paused' | 'stepping' | 'done' | 'loading';

export interface TrainHistory {
  steps: number[];
  values: Record<LossKey, number[]>;
}

export interface TrainNotice {
  id: number;
  text: string;
  level: 'warning' | 'error' | 'info';
}

interface TrainState {
  settings: TrainSettings;
  status: TrainStatus;
  step: number;
  totalSteps: number;
  stepsPerSecond: number;
  moleculesPerSecond: number;
  parameterCount: number | null;
  dataset: { name: string; molecules: number } | null;
  history: TrainHistory;
  /** Bumped on every append to `history`. */
  version: number;
  notices: TrainNotice[];
  /** A model exists in the worker (a run, or a loaded checkpoint) that sampling can use. */
  hasModel: boolean;
  /** Settings of the run in the worker (they may differ from the form after edits). */
  runSettings: TrainSettings | null;
  set(patch: Partial<TrainSettings>): void;
  notice(text: string, level: TrainNotice['level']): void;
  dismissNotice(id: number): void;
  train(client: WorkerClient): void;
  pause(client: WorkerClient): void;
  stepOnce(client: WorkerClient): void;
  reset(client: WorkerClient): void;
  /** Sends checkpoint bytes to the worker; the run continues from them, paused. */
  loadCheckpoint(client: WorkerClient, bytes: ArrayBuffer, label: string): void;
}

/** Ids of the training commands this store sent: errors answering one of them are the run's. */
const sentIds = new Set<number>();
function mine(id: number): void {
  sentIds.add(id);
  // Old ids can still be answered late (a run's errors answer the command that started it).
  if (sentIds.size > 256) sentIds.delete(sentIds.values().next().value!);
}

/** True when an event answers a command of this store (a saveCheckpoint request answers itself). */
export function isTrainingReply(replyTo: number | null): boolean {
  return replyTo !== null && sentIds.has(replyTo);
}

const emptyHistory = (): TrainHistory => ({ steps: [], values: { total: [], contrastive: [], denoise2Dto3D: [], atoms3Dto2D: [], bonds3Dto2D: [] } });
let noticeId = 1;

export const useTrain = create<TrainState>((set, get) => ({
  settings: DEFAULT_TRAIN_SETTINGS,
  status: 'idle',
  step: 0,
  totalSteps: DEFAULT_TRAIN_SETTINGS.totalSteps,
  stepsPerSecond: 0,
  moleculesPerSecond: 0,
  parameterCount: null,
  dataset: null,
  history: emptyHistory(),
  version: 0,
  notices: [],
  hasModel: false,
  runSettings: null,
  set: (patch) => {
    const next = { ...get().settings, ...patch };
    // A new preset brings its own widths, learning rate and loss weights.
    if (patch.preset && patch.preset !== get().settings.preset) Object.assign(next, presetDefaults(patch.preset));
    const settings = sanitizeTrainSettings(next);
    // Before a run exists, the progress line shows the planned length.
    set(get().status === 'idle' ? { settings, totalSteps: settings.totalSteps } : { settings });
  },
  notice: (text, level) => set((s) => ({ notices: [...s.notices.slice(-19), { id: noticeId++, text, level }] })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  train: (client) => {
    const s = get();
    if (s.status === 'paused' && s.hasModel && s.step < s.totalSteps) {
      set({ status: 'running' });
      mine(client.send({ type: 'resume' }));
      return;
    }
    const config = toTrainConfig(s.settings);
    set({ status: 'starting', step: 0, totalSteps: config.totalSteps, history: emptyHistory(), version: s.version + 1, parameterCount: null, runSettings: s.settings, stepsPerSecond: 0 });
    mine(client.send({ type: 'startTraining', config }));
  },
  pause: (client) => {
    if (get().status !== 'running' && get().status !== 'starting') return;
    set({ status: 'pausing' });
    mine(client.send({ type: 'pause' }));
  },
  stepOnce: (client) => {
    set({ status: 'stepping' });
    mine(client.send({ type: 'step' }));
  },
  reset: (client) => {
    if (get().hasModel) mine(client.send({ type: 'stop' }));
    set({ status: 'idle', step: 0, totalSteps: get().settings.totalSteps, history: emptyHistory(), version: get().version + 1, stepsPerSecond: 0, moleculesPerSecond: 0, runSettings: null });
  },
  loadCheckpoint: (client, bytes, label) => {
    // 'resume' after loading runs to the form's total steps (at least the checkpoint's step).
    const totalSteps = get().settings.totalSteps;
    set({ status: 'loading', totalSteps });
    get().notice(`Loading checkpoint ${label}…`, 'info');
    mine(client.send({ type: 'loadCheckpoint', bytes, totalSteps }, [bytes]));
  },
}));


/** Routes the worker's training events into the store. */
export function connectTraining(client: WorkerClient): () => void {
  const st = useTrain;
  const offs = [
    client.on('datasetLoaded', (e) => st.setState({ dataset: { name: e.name, molecules: e.molecules } })),
    client.on('progress', (e) => {
      const s = st.getState();
      // After Reset, the stopped run's last window may still arrive: it belongs to no chart.
      if (s.status === 'idle') return;
      const h = s.history;
      h.steps.push(e.step);
      for (const k of LOSS_KEYS) h.values[k].push(e.losses[k]);
      st.setState({
        step: e.step,
        totalSteps: e.totalSteps,
        stepsPerSecond: e.stepsPerSecond,
        moleculesPerSecond: e.moleculesPerSecond,
        parameterCount: e.parameterCount,
        version: s.version + 1,
        hasModel: true,
        // A single step answers with its progress only (no 'paused' follows it).
        status: s.status === 'starting' || s.status === 'loading' ? 'running' : s.status === 'stepping' ? 'paused' : s.status,
      });
    }),
    client.on('stepSkipped', (e) => st.getState().notice(`Step ${e.step + 1} was skipped (${e.reason}); the learning rate is now ${e.lr.toExponential(2)}.`, 'warning')),
    client.on('paused', (e) => {
      const s = st.getState();
      if (s.status === 'idle') return st.setState({ hasModel: true });
      if (s.status === 'loading') s.notice(`Checkpoint loaded at step ${e.step}.`, 'info');
      st.setState({ status: 'paused', step: e.step, totalSteps: Math.max(s.totalSteps, e.step), hasModel: true });
    }),
    client.on('done', (e) => {
      if (st.getState().status !== 'idle') st.setState({ status: 'done', step: e.step });
    }),
    client.on('notice', (e) => {
      const s = st.getState();
      if (e.code === 'device-lost' && s.hasModel) s.notice('The GPU device was lost; the worker is recreating it and will restore the last in-memory checkpoint.', 'warning');
      else if (e.code === 'training-restored') s.notice(e.message, 'info');
    }),
    client.on('error', (e) => {
      const s = st.getState();
      const ours = isTrainingReply(e.replyTo) || (e.replyTo === null && !e.recoverable);
      if (!ours || s.status === 'idle') return;
      s.notice(e.message, 'error');
      // The worker posts 'paused' after a failed step; a failed start leaves no run.
      if (s.status === 'starting') st.setState({ status: 'idle' });
      else if (s.status === 'loading' || s.status === 'stepping' || s.status === 'pausing') st.setState({ status: s.hasModel ? 'paused' : 'idle' });
    }),
  ];
  return () => offs.forEach((off) => off());
}
