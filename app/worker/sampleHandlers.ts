/**
 * The worker's sampling commands: 'sample' (2D -> 3D conformers) and 'generateTopology'
 * (3D -> 2D graph), streaming sampleFrames / topologyFrames every `frameStride` steps and ending
 * with sampleDone / topologyDone (protocol.ts). No worker globals: the worker injects how to post,
 * how to take the GPU lock and the model registry, so Node tests drive these handlers exactly as
 * the worker does.
 *
 * Weights (./models.ts): a 'sample' request names 'trained' (the tab's model: the run's, or one
 * loaded from a checkpoint) or 'default' (the shipped checkpoint). 'generateTopology' has no
 * weights field: it uses the tab's model when there is one, else the shipped one.
 */
import type { Engine } from '../../kernels/engine';
import { geometryProblem } from '../chem/molecule';
import { readMolblock, readSmilesOrMolblock, writeSdf } from '../chem/io';
import { getRDKit } from '../chem/rdkit';
import type { MoleculeSDE } from '../model/moleculeSDE';
import { describeChiralityFix, fixBatchChirality } from '../sde/chirality';
import { conformerOf, replicate, sampleConformers } from '../sde/conformers';
import { batchMoleculeOf } from '../sde/molecules';
import { resolveSamplerSettings } from '../sde/sampler';
import { rowNorms3 } from '../inspect/trajectory';
import { decodeTopology, sampleTopology } from '../sde/topology';
import type { ModelChoice } from './models';
import { WorkerError, type OutgoingEvent, type SampleRequest } from './protocol';

type ReplyTo = number | null;

export interface SamplingDeps {
  engine: () => Engine;
  post: (event: OutgoingEvent, transfer?: Transferable[]) => void;
  /** Runs GPU work under the worker's GPU lock (never interleaved with a training step). */
  exclusive: <T>(fn: () => Promise<T> | T) => Promise<T>;
  /** The worker's model registry (./models.ts). */
  models: { get(choice: ModelChoice, op?: string): Promise<MoleculeSDE> };
}

export interface GenerateTopologyCommand {
  molblock: string;
  steps: number;
  seed: number;
  frameStride: number;
}

/** Largest batch a request may ask for (conformers x atoms), so a tab's GPU memory is safe. */
export const MAX_SAMPLE_ATOMS = 64 * 32;


export class SamplingHandlers {
  constructor(private readonly deps: SamplingDeps) {}

  async sample(request: SampleRequest, replyTo: ReplyTo = null): Promise<void> {
    const settings = resolveSamplerSettings({
      sampler: request.sampler,
      steps: request.steps,
      seed: request.seed,
      correctorSteps: request.correctorSteps,
      snr: request.snr,
      frameStride: request.frameStride,
    });
    if (!Number.isInteger(request.count) || request.count < 1) throw new WorkerError('bad-request', `sample: count must be a positive integer, got ${request.count}`);
    const rd = await getRDKit();
    const mol = readSmilesOrMolblock(rd, request.molecule);
    const n = mol.atoms.length;
    if (request.count * n > MAX_SAMPLE_ATOMS) throw new WorkerError('bad-request', `sample: ${request.count} conformers x ${n} atoms exceed the limit of ${MAX_SAMPLE_ATOMS} atoms per run; ask for fewer conformers`);
    const model = await this.deps.models.get(request.weights, 'sample');
    const count = request.count;
    const result = await this.deps.exclusive(() =>
      sampleConformers(this.deps.engine(), model, replicate([batchMoleculeOf(mol, undefined)], count), settings, {
        // The trajectory view colours atoms by their score norm: one extra evaluation per frame.
        frameScores: true,
        onFrame: (step, total, positions, frame) => {
          const scoreNorms = frame.scores ? rowNorms3(frame.scores) : null;
          const transfer: Transferable[] = [positions.buffer];
          if (scoreNorms) transfer.push(scoreNorms.buffer);
          this.deps.post({ type: 'sampleFrames', atoms: n, count, step, totalSteps: total, positions, t: frame.t, sigma: frame.sigma, scoreNorms, replyTo }, transfer);
        },
      }),
    );
    // The streamed frames are the sampler's own; the final conformers get the chirality fix.
    const fixes = request.chiralityFix === false ? null : fixBatchChirality(rd, replicate([mol], count), result.positions, result.nodeOffsets);
    const sdf = writeSdf(
      Array.from({ length: count }, (_, g) => ({
        molecule: { ...mol, name: `${mol.smiles} conformer ${g + 1}` },
        positions: conformerOf(result, g),
        props: {
          conformer: String(g + 1), steps: String(settings.steps), seed: String(settings.seed), sampler: settings.sampler,
          chirality_fix: fixes ? describeChiralityFix(fixes[g]) : 'off',
        },
      })),
    );
    const positions = result.positions;
    this.deps.post({ type: 'sampleDone', positions, count, atoms: n, sdf, replyTo }, [positions.buffer]);
  }

  async generateTopology(cmd: GenerateTopologyCommand, replyTo: ReplyTo = null): Promise<void> {
    const settings = resolveSamplerSettings({ steps: cmd.steps, seed: cmd.seed, frameStride: cmd.frameStride });
    const rd = await getRDKit();
    const mol = readMolblock(rd, cmd.molblock, undefined, 'geometry');
    if (!mol.positions) throw new WorkerError('bad-request', 'generateTopology: the molblock has no 3D coordinates (the 3D->2D model reads a geometry)');
    const problem = geometryProblem(mol.positions);
    if (problem) throw new WorkerError('bad-request', `generateTopology: ${problem}`);
    const n = mol.atoms.length;
    const model = await this.deps.models.get('any', 'generateTopology');
    const result = await this.deps.exclusive(() =>
      sampleTopology(this.deps.engine(), model, [batchMoleculeOf(mol)], settings, {
        // One graph: nmax = n, so the dense [1, n, n] state is the n x n matrix itself.
        onFrame: (step, total, adjacency) => {
          this.deps.post({ type: 'topologyFrames', step, totalSteps: total, adjacency, atoms: n, replyTo }, [adjacency.buffer]);
        },
      }),
    );
    const d = decodeTopology(rd, result, 0);
    const adjacency = Float32Array.from(d.sanitizedCodes ?? d.codes);
    const atomTypes = Uint8Array.from(d.atomicNumbers);
    this.deps.post({ type: 'topologyDone', smiles: d.smiles, reason: d.reason, adjacency, atomTypes, replyTo }, [adjacency.buffer, atomTypes.buffer]);
  }
}
