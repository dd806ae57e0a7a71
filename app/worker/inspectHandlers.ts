/**
 * The worker's inspection commands (the playground's "explain yourself" views): the live symmetry
 * check of the 2D->3D network, and the kernel profiler. Like SamplingHandlers, no worker globals:
 * the worker injects how to post, the GPU lock and the models, so Node tests drive these handlers
 * exactly as the worker does.
 */
import type { Engine } from '../../kernels/engine';
import { readMolblock, readSmilesOrMolblock } from '../chem/io';
import { getRDKit } from '../chem/rdkit';
import { resolveConfig, type PresetName } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { batchMoleculeOf } from '../sde/molecules';
import { checkSymmetry } from '../inspect/symmetry';
import { profileSamplingStep, profileTrainingStep } from '../inspect/profile';
import { sigmaLadder } from '../inspect/schedule';
import { DEFAULT_DIAGNOSTIC_SIGMAS, diagnose2Dto3D } from '../sde/diagnose';
import type { BatchMolecule } from '../data/batch';
import { describeAdapter } from '../../kernels/device';
import type { Dataset } from '../data/dataset';
import type { ModelRegistry } from './models';
import { WorkerError, type InspectModel, type NoiseLevelsMolecule, type OutgoingEvent, type TrainConfig } from './protocol';

export interface InspectDeps {
  engine: () => Engine;
  post: (event: OutgoingEvent, transfer?: Transferable[]) => void;
  /** Runs GPU work under the session's lock (never interleaved with a training step). */
  exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** The worker's model registry (./models.ts): the tab's model and the shipped one. */
  models: Pick<ModelRegistry, 'tabModel' | 'shipped'>;
  /** A shipped data set by name (loaded once). */
  dataset: (name: string) => Promise<Dataset>;
}

/** Largest sampling batch the profiler builds (conformers x atoms). */
const MAX_PROFILE_ATOMS = 64 * 32;

/** Seed of the freshly initialised models (symmetry holds for any weights; fixed so runs compare). */
const INIT_SEED = 1;


export class InspectHandlers {
  private fresh = new Map<PresetName, { engine: Engine; model: MoleculeSDE }>();

  constructor(private readonly deps: InspectDeps) {}

  onDeviceLost(): void {
    this.fresh.clear();
  }

  /** The model a request names; `label` says which, for the panel. */
  async model(which: InspectModel, what = 'symmetry check'): Promise<{ model: MoleculeSDE; label: string }> {
    if (which === 'trained') {
      const m = this.deps.models.tabModel();
      if (!m) throw new WorkerError('no-model', `${what}: there is no trained model yet (start training or load a checkpoint), or choose another model`);
      return { model: m, label: `the model of this tab (${m.config.preset} preset)` };
    }
    if (which === 'default') {
      const m = await this.deps.models.shipped('symmetry check');
      return { model: m, label: `the shipped checkpoint (${m.config.preset} preset)` };
    }
    const preset: PresetName = which === 'paper-init' ? 'paper' : 'generative';
    const engine = this.deps.engine();
    let entry = this.fresh.get(preset);
    if (entry?.engine !== engine) {
      entry = { engine, model: await this.deps.exclusive(() => new MoleculeSDE(engine, resolveConfig(preset), INIT_SEED)) };
      this.fresh.set(preset, entry);
    }
    return { model: entry.model, label: `a freshly initialised ${preset}-preset model (init seed ${INIT_SEED})` };
  }

  async symmetryCheck(cmd: { molecule: string; seed: number; model: InspectModel }, replyTo: number | null = null): Promise<void> {
    if (!Number.isInteger(cmd.seed) || cmd.seed < 0) throw new WorkerError('bad-request', `symmetry check: the seed must be a non-negative integer, got ${cmd.seed}`);
    const rd = await getRDKit();
    const mol = readSmilesOrMolblock(rd, cmd.molecule);
    const { model, label } = await this.model(cmd.model);
    const report = await this.deps.exclusive(() => checkSymmetry(this.deps.engine(), model, batchMoleculeOf(mol, undefined), cmd.seed));
    this.deps.post({ type: 'symmetryResult', report, model: label, preset: model.config.preset, smiles: mol.smiles, replyTo });
  }

  async profile(cmd: { train: TrainConfig; molecule: string; model: InspectModel; count: number }, replyTo: number | null = null): Promise<void> {
    if (!Number.isInteger(cmd.count) || cmd.count < 1) throw new WorkerError('bad-request', `profiler: count must be a positive integer, got ${cmd.count}`);
    const rd = await getRDKit();
    const mol = readSmilesOrMolblock(rd, cmd.molecule);
    if (cmd.count * mol.atoms.length > MAX_PROFILE_ATOMS) throw new WorkerError('bad-request', `profiler: ${cmd.count} conformers x ${mol.atoms.length} atoms exceed ${MAX_PROFILE_ATOMS} atoms`);
    const dataset = await this.deps.dataset(cmd.train.dataset);
    const { model, label } = await this.model(cmd.model, 'profiler');
    const engine = this.deps.engine();
    const c = cmd.train;
    const train = await this.deps.exclusive(() =>
      profileTrainingStep(engine, dataset, { preset: c.preset, overrides: c.overrides, batchSize: c.batchSize, lr: c.lr, seed: c.seed, logEvery: c.logEvery, datasetName: c.dataset }),
    );
    const sample = await this.deps.exclusive(() => profileSamplingStep(engine, model, batchMoleculeOf(mol, undefined), cmd.count, label));
    this.deps.post({
      type: 'profileResult',
      result: { adapter: describeAdapter(engine.ctx.info), timestampQuery: engine.device.features.has('timestamp-query'), phases: [train, sample], at: new Date().toISOString() },
      replyTo,
    });
  }

  /** Per-sigma loss, oracle floor, Gaussian baseline and denoised RMSD on fixed validation molecules. */
  async noiseLevels(cmd: { model: InspectModel; dataset: string; count: number; repeats: number; seed: number; molecule?: NoiseLevelsMolecule }, replyTo: number | null = null): Promise<void> {
    if (!Number.isInteger(cmd.count) || cmd.count < 1 || cmd.count > 64) throw new WorkerError('bad-request', `noise levels: count must be an integer in [1, 64], got ${cmd.count}`);
    if (!Number.isInteger(cmd.repeats) || cmd.repeats < 1 || cmd.repeats > 16) throw new WorkerError('bad-request', `noise levels: repeats must be an integer in [1, 16], got ${cmd.repeats}`);
    if (!Number.isInteger(cmd.seed) || cmd.seed < 0) throw new WorkerError('bad-request', `noise levels: the seed must be a non-negative integer, got ${cmd.seed}`);
    const { molecules, smiles, source } = cmd.molecule ? await this.oneMolecule(cmd.molecule) : await this.validationMolecules(cmd.dataset, cmd.count);
    const { model, label } = await this.model(cmd.model, 'noise levels');
    const sigmas = sigmaLadder(model.config, DEFAULT_DIAGNOSTIC_SIGMAS);
    const rows = await this.deps.exclusive(() => diagnose2Dto3D(this.deps.engine(), model, molecules, { sigmas, repeats: cmd.repeats, seed: cmd.seed }));
    this.deps.post({ type: 'noiseLevelsResult', rows, model: label, preset: model.config.preset, molecules: smiles, dataset: source, config: model.config, replyTo });
  }

  /** The first `count` molecules of the validation split (fixed: the same ones every time). */
  private async validationMolecules(name: string, count: number): Promise<{ molecules: BatchMolecule[]; smiles: string[]; source: string }> {
    const dataset = await this.deps.dataset(name);
    const molecules: BatchMolecule[] = [];
    const smiles: string[] = [];
    for (let i = 0; i < dataset.count && molecules.length < count; i++) {
      if (dataset.splitCodes[i] !== 1) continue;
      const m = dataset.molecule(i);
      if (m.numAtoms < 2) continue;
      molecules.push(m);
      smiles.push(m.smiles);
    }
    if (!molecules.length) throw new WorkerError('dataset', `noise levels: ${name} has no validation molecules with 2 or more atoms`);
    return { molecules, smiles, source: name };
  }

  /** One molecule with its reference conformer. */
  private async oneMolecule(m: NoiseLevelsMolecule): Promise<{ molecules: BatchMolecule[]; smiles: string[]; source: string }> {
    const mol = readMolblock(await getRDKit(), m.molblock, undefined, 'molecule');
    if (mol.atoms.length < 2) throw new WorkerError('bad-request', 'noise levels: the molecule needs 2 or more heavy atoms');
    if (!(m.positions instanceof Float32Array) || m.positions.length !== mol.atoms.length * 3 || !m.positions.every(Number.isFinite)) {
      throw new WorkerError('bad-request', `noise levels: the reference conformer needs ${mol.atoms.length * 3} finite coordinates`);
    }
    return { molecules: [batchMoleculeOf(mol, m.positions)], smiles: [mol.smiles], source: m.origin };
  }
}
