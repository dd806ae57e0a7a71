/**
 * The worker's sampling commands: 'sample' (2D -> 3D conformers) and 'generateTopology'
 * (3D -> 2D graph), streaming sampleFrames / topologyFrames every `frameStride` steps and ending
 * with sampleDone / topologyDone (protocol.ts). No worker globals: the worker injects how to post,
 * how to take the GPU lock, the trained model and the default checkpoint's bytes, so Node tests
 * drive these handlers exactly as the worker does.
 *
 * Weights: a 'sample' request names 'trained' (the run's model, or one loaded from a checkpoint) or
 * 'default' (public/checkpoints/default.safetensors, loaded once per engine). 'generateTopology'
 * has no weights field: it uses the trained model when there is one, else the default.
 */
import type { Engine } from '../../kernels/engine';
import { geometryProblem } from '../chem/molecule';
import { readMolblock, readSmiles, writeSdf } from '../chem/io';
import type { ChemMolecule } from '../chem/molecule';
import { getRDKit } from '../chem/rdkit';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { conformerOf, replicate, sampleConformers } from '../sde/conformers';
import { modelFromCheckpoint } from '../model/loadModel';
import { batchMoleculeOf } from '../sde/molecules';
import { resolveSamplerSettings } from '../sde/sampler';
import { decodeTopology, sampleTopology } from '../sde/topology';
import type { SampleRequest, WorkerEvent } from './protocol';

export interface SamplingDeps {
  engine: () => Engine;
  post: (event: WorkerEvent, transfer?: Transferable[]) => void;
  /** Runs GPU work under the session's lock (never interleaved with a training step). */
  exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** The model being trained (or loaded from a checkpoint), if any. */
  trainedModel: () => MoleculeSDE | null;
  /** Bytes of the shipped default checkpoint. */
  fetchDefaultCheckpoint: () => Promise<ArrayBuffer>;
}

export interface GenerateTopologyCommand {
  molblock: string;
  steps: number;
  seed: number;
  frameStride: number;
}

/** Largest batch a request may ask for (conformers x atoms), so a tab's GPU memory is safe. */
export const MAX_SAMPLE_ATOMS = 64 * 32;

/** A SMILES or a molblock (anything with an "M  END" line). */
function readMolecule(rd: Awaited<ReturnType<typeof getRDKit>>, text: string): ChemMolecule {
  return /^M {2}END/m.test(text) ? readMolblock(rd, text, undefined, 'molecule') : readSmiles(rd, text);
}

export class SamplingHandlers {
  private defaultModel: { engine: Engine; model: MoleculeSDE } | null = null;

  constructor(private readonly deps: SamplingDeps) {}

  /** The device is gone: the cached default model lived on it. */
  onDeviceLost(): void {
    this.defaultModel = null;
  }

  /** The model for `weights` ('any': the trained one if there is one, else the default). */
  async modelFor(weights: 'default' | 'trained' | 'any'): Promise<MoleculeSDE> {
    if (weights !== 'default') {
      const trained = this.deps.trainedModel();
      if (trained) return trained;
      if (weights === 'trained') throw new Error('sample: there is no trained model yet (start training or load a checkpoint), or choose the default weights');
    }
    const engine = this.deps.engine();
    if (this.defaultModel?.engine !== engine) {
      let bytes: ArrayBuffer;
      try {
        bytes = await this.deps.fetchDefaultCheckpoint();
      } catch (e) {
        throw new Error(`sample: the default weights could not be loaded: ${(e as Error).message}`);
      }
      const { model } = await this.deps.exclusive(() => {
        try {
          return modelFromCheckpoint(engine, bytes);
        } catch (e) {
          // A static server may answer a missing file with its index page: say what was expected.
          throw new Error(`sample: the default weights (checkpoints/default.safetensors) are not a usable checkpoint: ${(e as Error).message}`);
        }
      });
      this.defaultModel = { engine, model };
    }
    return this.defaultModel.model;
  }

  async sample(request: SampleRequest): Promise<void> {
    const settings = resolveSamplerSettings({
      sampler: request.sampler,
      steps: request.steps,
      seed: request.seed,
      correctorSteps: request.correctorSteps,
      snr: request.snr,
      frameStride: request.frameStride,
    });
    if (!Number.isInteger(request.count) || request.count < 1) throw new Error(`sample: count must be a positive integer, got ${request.count}`);
    const rd = await getRDKit();
    const mol = readMolecule(rd, request.molecule);
    const n = mol.atoms.length;
    if (request.count * n > MAX_SAMPLE_ATOMS) throw new Error(`sample: ${request.count} conformers x ${n} atoms exceed the limit of ${MAX_SAMPLE_ATOMS} atoms per run; ask for fewer conformers`);
    const model = await this.modelFor(request.weights);
    const count = request.count;
    const result = await this.deps.exclusive(() =>
      sampleConformers(this.deps.engine(), model, replicate([batchMoleculeOf(mol, undefined)], count), settings, {
        onFrame: (step, total, positions) => {
          this.deps.post({ type: 'sampleFrames', atoms: n, count, step, totalSteps: total, positions }, [positions.buffer]);
        },
      }),
    );
    const sdf = writeSdf(
      Array.from({ length: count }, (_, g) => ({
        molecule: { ...mol, name: `${mol.smiles} conformer ${g + 1}` },
        positions: conformerOf(result, g),
        props: { conformer: String(g + 1), steps: String(settings.steps), seed: String(settings.seed), sampler: settings.sampler },
      })),
    );
    const positions = result.positions;
    this.deps.post({ type: 'sampleDone', positions, count, atoms: n, molblock: sdf }, [positions.buffer]);
  }

  async generateTopology(cmd: GenerateTopologyCommand): Promise<void> {
    const settings = resolveSamplerSettings({ steps: cmd.steps, seed: cmd.seed, frameStride: cmd.frameStride });
    const rd = await getRDKit();
    const mol = readMolblock(rd, cmd.molblock, undefined, 'geometry');
    if (!mol.positions) throw new Error('generateTopology: the molblock has no 3D coordinates (the 3D->2D model reads a geometry)');
    const problem = geometryProblem(mol.positions);
    if (problem) throw new Error(`generateTopology: ${problem}`);
    const n = mol.atoms.length;
    const model = await this.modelFor('any');
    const result = await this.deps.exclusive(() =>
      sampleTopology(this.deps.engine(), model, [batchMoleculeOf(mol)], settings, {
        // One graph: nmax = n, so the dense [1, n, n] state is the n x n matrix itself.
        onFrame: (step, total, adjacency) => {
          this.deps.post({ type: 'topologyFrames', step, totalSteps: total, adjacency, atoms: n }, [adjacency.buffer]);
        },
      }),
    );
    const d = decodeTopology(rd, result, 0);
    const adjacency = Float32Array.from(d.sanitizedCodes ?? d.codes);
    const atomTypes = Uint8Array.from(d.atomicNumbers);
    this.deps.post({ type: 'topologyDone', smiles: d.smiles, reason: d.reason, adjacency, atomTypes }, [adjacency.buffer, atomTypes.buffer]);
  }
}
