/**
 * The worker's inspection commands (the playground's "explain yourself" views): the live symmetry
 * check of the 2D->3D network, and the kernel profiler. Like SamplingHandlers, no worker globals:
 * the worker injects how to post, the GPU lock and the models, so Node tests drive these handlers
 * exactly as the worker does.
 */
import type { Engine } from '../../kernels/engine';
import { readMolblock, readSmiles } from '../chem/io';
import type { ChemMolecule } from '../chem/molecule';
import { getRDKit } from '../chem/rdkit';
import { resolveConfig, type PresetName } from '../model/config';
import { MoleculeSDE } from '../model/moleculeSDE';
import { batchMoleculeOf } from '../sde/molecules';
import { checkSymmetry } from '../inspect/symmetry';
import type { ModelRegistry } from './models';
import { WorkerError, type InspectModel, type OutgoingEvent } from './protocol';

export interface InspectDeps {
  engine: () => Engine;
  post: (event: OutgoingEvent, transfer?: Transferable[]) => void;
  /** Runs GPU work under the session's lock (never interleaved with a training step). */
  exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** The worker's model registry (./models.ts): the tab's model and the shipped one. */
  models: Pick<ModelRegistry, 'tabModel' | 'shipped'>;
}

/** Seed of the freshly initialised models (symmetry holds for any weights; fixed so runs compare). */
const INIT_SEED = 1;

function readMolecule(rd: Awaited<ReturnType<typeof getRDKit>>, text: string): ChemMolecule {
  return /^M {2}END/m.test(text) ? readMolblock(rd, text, undefined, 'molecule') : readSmiles(rd, text);
}

export class InspectHandlers {
  private fresh = new Map<PresetName, { engine: Engine; model: MoleculeSDE }>();

  constructor(private readonly deps: InspectDeps) {}

  onDeviceLost(): void {
    this.fresh.clear();
  }

  /** The model a request names; `label` says which, for the panel. */
  async model(which: InspectModel): Promise<{ model: MoleculeSDE; label: string }> {
    if (which === 'trained') {
      const m = this.deps.models.tabModel();
      if (!m) throw new WorkerError('no-model', 'symmetry check: there is no trained model yet (start training or load a checkpoint), or choose another model');
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
    const mol = readMolecule(rd, cmd.molecule);
    const { model, label } = await this.model(cmd.model);
    const report = await this.deps.exclusive(() => checkSymmetry(this.deps.engine(), model, batchMoleculeOf(mol, undefined), cmd.seed));
    this.deps.post({ type: 'symmetryResult', report, model: label, preset: model.config.preset, smiles: mol.smiles, replyTo });
  }
}
