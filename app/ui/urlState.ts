/**
 * Settings, seeds, the active panel and the molecule live in the URL hash, so a link reproduces
 * the state (TF Playground's convention). Only values that differ from the defaults are written,
 * which keeps links short; the molecule is always written. Updates use history.replaceState
 * (debounced), so editing never floods the back button; pasting a link fires 'hashchange' and is
 * applied.
 */
import { useMolecule } from './state/moleculeStore';
import { DEFAULT_SAMPLE_SETTINGS, useSample, type SampleSettings } from './state/sampleStore';
import { DEFAULT_TOPOLOGY_SETTINGS, useTopology, type TopologySettings } from './state/topologyStore';
import { DEFAULT_TRAIN_SETTINGS, presetDefaults, useTrain, type TrainSettings } from './state/trainStore';
import { useUi, type PanelId } from './state/uiStore';
import { DEFAULT_FINETUNE_SETTINGS, useFinetune, type FinetuneSettings } from './finetune/finetuneStore';

export const DEFAULT_MOLECULE = { smiles: 'C[C@H](N)C(=O)O', name: 'L-Alanine' };

type Spec<T> = { [K in keyof T]?: string };
const SAMPLE_KEYS: Spec<SampleSettings> = { count: 'k', steps: 'steps', sampler: 'sampler', correctorSteps: 'corr', snr: 'snr', frames: 'frames', seed: 'seed', weights: 'weights' };
const TOPOLOGY_KEYS: Spec<TopologySettings> = { steps: 'tsteps', seed: 'tseed', frames: 'tframes' };
const TRAIN_KEYS: Spec<TrainSettings> = {
  dataset: 'ds', preset: 'preset', encoderWidth: 'width', encoderDepth: 'depth', scoreWidth: 'swidth', batchSize: 'bs', lr: 'lr', seed: 'trainseed',
  totalSteps: 'total', logEvery: 'log', coeffContrastive: 'cc', coeffGen2Dto3D: 'c23', coeffGen3Dto2D: 'c32',
};
// Fine-tuning settings only: the CSV itself never goes into the link.
const FINETUNE_KEYS: Spec<FinetuneSettings> = {
  smilesColumn: 'ftsmiles', labelColumns: 'ftlabels', task: 'fttask', split: 'ftsplit', pretrained: 'ftinit', seeds: 'ftseeds', seed: 'ftseed',
  epochs: 'ftepochs', batchSize: 'ftbs', lr: 'ftlr', dropout: 'ftdrop', patience: 'ftpat',
};
const PANELS: PanelId[] = ['sample', 'topology', 'train', 'finetune'];

function write<T extends object>(p: URLSearchParams, keys: Spec<T>, value: T, defaults: T): void {
  for (const [field, key] of Object.entries(keys) as [keyof T, string][]) {
    if (value[field] !== defaults[field]) p.set(key, String(value[field]));
  }
}

function read<T extends object>(p: URLSearchParams, keys: Spec<T>, defaults: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [field, key] of Object.entries(keys) as [keyof T, string][]) {
    const raw = p.get(key);
    if (raw === null) continue;
    const d = defaults[field];
    (out as Record<keyof T, unknown>)[field] = typeof d === 'number' ? Number(raw) : raw;
  }
  return out;
}

export function stateToHash(): string {
  const p = new URLSearchParams();
  const ui = useUi.getState();
  if (ui.panel !== 'sample') p.set('panel', ui.panel);
  const mol = useMolecule.getState();
  const smiles = mol.info?.smiles ?? mol.text.trim();
  if (smiles) p.set('mol', smiles);
  write(p, SAMPLE_KEYS, useSample.getState().settings, DEFAULT_SAMPLE_SETTINGS);
  write(p, TOPOLOGY_KEYS, useTopology.getState().settings, DEFAULT_TOPOLOGY_SETTINGS);
  const train = useTrain.getState().settings;
  // Preset-dependent defaults: compare with the chosen preset's own values.
  write(p, TRAIN_KEYS, train, { ...DEFAULT_TRAIN_SETTINGS, ...presetDefaults(train.preset) });
  write(p, FINETUNE_KEYS, useFinetune.getState().settings, DEFAULT_FINETUNE_SETTINGS);
  return p.toString();
}

let lastWritten: string | null = null;

/** Applies a hash (on load and on 'hashchange'). Returns whether it named a molecule. */
export function applyHash(hash: string): boolean {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const panel = p.get('panel') as PanelId | null;
  useUi.getState().setPanel(panel && PANELS.includes(panel) ? panel : 'sample');
  useSample.getState().set({ ...DEFAULT_SAMPLE_SETTINGS, ...read(p, SAMPLE_KEYS, DEFAULT_SAMPLE_SETTINGS) });
  useTopology.getState().set({ ...DEFAULT_TOPOLOGY_SETTINGS, ...read(p, TOPOLOGY_KEYS, DEFAULT_TOPOLOGY_SETTINGS) });
  const trainPatch = read(p, TRAIN_KEYS, DEFAULT_TRAIN_SETTINGS);
  const preset = trainPatch.preset === 'paper' ? 'paper' : DEFAULT_TRAIN_SETTINGS.preset;
  useTrain.setState({ settings: { ...DEFAULT_TRAIN_SETTINGS, preset } });
  useTrain.getState().set({ ...DEFAULT_TRAIN_SETTINGS, ...presetDefaults(preset), ...trainPatch, preset });
  useFinetune.getState().set({ ...DEFAULT_FINETUNE_SETTINGS, ...read(p, FINETUNE_KEYS, DEFAULT_FINETUNE_SETTINGS) });
  const mol = p.get('mol');
  if (mol) {
    const current = useMolecule.getState();
    if (mol !== current.info?.smiles && mol !== current.text) void current.load(mol);
    return true;
  }
  return false;
}

/** Reads the hash once at start-up, then keeps it in sync with the stores. */
export function syncUrlHash(): () => void {
  const named = applyHash(location.hash);
  if (!named) void useMolecule.getState().load(DEFAULT_MOLECULE.smiles, DEFAULT_MOLECULE.name);
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const next = stateToHash();
      if (next !== lastWritten && `#${next}` !== location.hash) {
        lastWritten = next;
        history.replaceState(null, '', `${location.pathname}${location.search}#${next}`);
      }
    }, 250);
  };
  const unsubs = [
    useUi.subscribe((s, prev) => s.panel !== prev.panel && schedule()),
    useMolecule.subscribe((s, prev) => (s.info !== prev.info || s.text !== prev.text) && schedule()),
    useSample.subscribe((s, prev) => s.settings !== prev.settings && schedule()),
    useTopology.subscribe((s, prev) => s.settings !== prev.settings && schedule()),
    useTrain.subscribe((s, prev) => s.settings !== prev.settings && schedule()),
    useFinetune.subscribe((s, prev) => s.settings !== prev.settings && schedule()),
  ];
  const onHash = () => {
    if (location.hash.replace(/^#/, '') === lastWritten) return;
    applyHash(location.hash);
  };
  window.addEventListener('hashchange', onHash);
  return () => {
    unsubs.forEach((u) => u());
    window.removeEventListener('hashchange', onHash);
  };
}
