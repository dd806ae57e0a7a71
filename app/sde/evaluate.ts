/**
 * Held-out evaluation of both generation directions against baselines on the same molecules
 * (docs/method.md §10):
 *
 * 2D->3D, per test molecule with R reference conformers (the stored one) and 2R samples:
 *   COV-R / MAT-R / COV-P / MAT-P at `threshold` Å (heavy-atom RMSD, Kabsch without reflection,
 *   minimised over graph automorphisms), averaged over molecules (MAT-R median too); bond-length
 *   and bond-angle mean absolute error against the 2D graph's expected values; clashes per
 *   conformer; and, over molecules with CIP stereo, the share of conformers that keep it.
 *   The model's conformers go through the chirality fix (chirality.ts) first unless
 *   `chiralityFix` is off, as the CLI and the tab hand them out; the stored baseline never does.
 *   Baseline: the ETKDG + MMFF conformers stored in the data set for the test split (up to 2R);
 *   when the data set has any, both columns use only the molecules that have them.
 * 3D->2D, on the stored geometry: exact-graph recovery, bond accuracy (chem/topologyMetrics.ts), atom
 *   accuracy and validity. Baseline: distance-based perception (chem/perceive.ts) with the true atoms.
 */
import type { Engine } from '../../kernels/engine';
import type { Dataset, MoleculeRecord } from '../data/dataset';
import type { MoleculeSDE } from '../model/moleculeSDE';
import type { ChemMolecule } from '../chem/molecule';
import type { RDKit } from '../chem/rdkit';
import { automorphisms, rmsdMatrix } from '../chem/align';
import { bondAngleDeviation, bondLengthDeviation, chiralityCheck, clashes, coverageMatching } from '../chem/metrics';
import { conformerOf, replicate, sampleConformers } from './conformers';
import { batchMoleculeOf, chemOfRecord, recordCodes } from './molecules';
import { perceiveMolecule } from '../chem/perceive';
import { mixSeed } from '../../kernels/random';
import { resolveSamplerSettings, type SamplerSettings } from './sampler';
import { decodeTopology, sampleTopology } from './topology';
import { fixConformerChirality } from './chirality';
import { compareTopology } from '../chem/topologyMetrics';

export interface EvalSettings {
  /** At most this many test molecules (in data-set order); null = all. */
  maxMolecules: number | null;
  /** Generated conformers per reference conformer. */
  samplesPerReference: number;
  /** COV threshold, Å. */
  threshold: number;
  /** Molecules per sampling batch. */
  batchMolecules: number;
  /** Molecules with fewer heavy atoms are skipped (RMSD and bonds are trivial). */
  minAtoms: number;
  conformerSampler: SamplerSettings;
  topologySampler: SamplerSettings;
  /** Mirror model conformers whose stereocentres come out inverted (chirality.ts). */
  chiralityFix: boolean;
}

export const DEFAULT_EVAL_SETTINGS: EvalSettings = {
  maxMolecules: null,
  samplesPerReference: 2,
  threshold: 0.5,
  batchMolecules: 16,
  minAtoms: 2,
  conformerSampler: resolveSamplerSettings({ steps: 500, correctorSteps: 1, seed: 1 }),
  topologySampler: resolveSamplerSettings({ steps: 500, correctorSteps: 1, seed: 1 }),
  chiralityFix: true,
};

export interface ConformerMetrics {
  molecules: number;
  conformers: number;
  covR: number;
  matR: number;
  matRMedian: number;
  covP: number;
  matP: number;
  /** Mean absolute bond-length error, Å. */
  bondLengthError: number;
  /** Mean absolute bond-angle error, degrees. */
  bondAngleError: number;
  clashesPerConformer: number;
  /** Molecules with CIP stereo, and the share of their conformers that reproduce it. */
  stereoMolecules: number;
  chiralityKept: number | null;
  /** Conformers the chirality fix mirrored, and conformers where it inverted single centres (0 when it is off, and for the baseline). */
  mirrored: number;
  centreInverted?: number;
  /** Conformers where it turned an E/Z double bond. */
  bondTurned?: number;
  /** The same split by kind: conformers of molecules with tetrahedral centres with every R/S (and r/s) right ... */
  centresKept?: number | null;
  centreMolecules?: number;
  /** ... and conformers of molecules with E/Z double bonds with every E/Z right. */
  doubleBondsKept?: number | null;
  doubleBondMolecules?: number;
}

export interface TopologyMetrics {
  molecules: number;
  /** Valid after the valency correction (chem/decode.ts, docs/method.md §3.8; the baseline has none). */
  valid: number;
  /** Valid as decoded, before any valency correction. */
  validAsDecoded?: number;
  exact: number;
  bondAccuracy: number;
  atomAccuracy: number;
  /** Most frequent reasons a recovered graph was not a molecule. */
  invalidReasons: { reason: string; count: number }[];
  /** The first few molecules whose recovered graph was not a molecule as decoded, by data-set index, and whether the correction made it one. */
  invalidExamples?: { index: number; smiles: string; reason: string; corrected: boolean }[];
}

export interface EvalResult {
  date: string;
  checkpoint: string;
  dataset: string;
  split: 'test';
  adapter: string;
  settings: EvalSettings;
  /** Test molecules evaluated (after the size filter) and skipped ones. */
  molecules: number;
  skipped: { index: number; smiles: string; reason: string }[];
  conformers: { model: ConformerMetrics; baseline: ConformerMetrics | null };
  topology: { model: TopologyMetrics; baseline: TopologyMetrics };
  seconds: number;
}

interface Item {
  record: MoleculeRecord;
  mol: ChemMolecule;
  perms: number[][];
}

const mean = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : Number.NaN);
const share = (a: boolean[]) => (a.length ? a.filter(Boolean).length / a.length : null);
const median = (a: number[]) => {
  if (!a.length) return Number.NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
};

/** Per-molecule conformer figures, aggregated over molecules. */
class ConformerAccumulator {
  private cov: { covR: number; matR: number; covP: number; matP: number }[] = [];
  private bondErr: number[] = [];
  private angleErr: number[] = [];
  private clashCounts: number[] = [];
  private stereoMolecules = 0;
  private chiralOk: boolean[] = [];
  private centresOk: boolean[] = [];
  private bondsOk: boolean[] = [];
  private centreMolecules = 0;
  private doubleBondMolecules = 0;
  conformers = 0;
  mirrored = 0;
  centreInverted = 0;
  bondTurned = 0;

  constructor(private readonly rd: RDKit, private readonly threshold: number) {}

  add(item: Item, generated: Float32Array[]): void {
    const ref = [item.record.positions];
    this.cov.push(coverageMatching(rmsdMatrix(generated, ref, item.perms), generated.length, ref.length, this.threshold));
    const hasStereo = item.mol.stereo.atoms.length + item.mol.stereo.bonds.length > 0;
    if (hasStereo) this.stereoMolecules++;
    const { atoms, bonds } = item.mol.stereo;
    if (atoms.length) this.centreMolecules++;
    if (bonds.length) this.doubleBondMolecules++;
    const centresOnly = { ...item.mol, stereo: { atoms, bonds: [] } };
    const bondsOnly = { ...item.mol, stereo: { atoms: [], bonds } };
    for (const x of generated) {
      this.conformers++;
      if (item.mol.bonds.length) this.bondErr.push(bondLengthDeviation(item.mol, x).meanAbs);
      const angles = bondAngleDeviation(item.mol, x);
      if (angles.count) this.angleErr.push(angles.meanAbs);
      this.clashCounts.push(clashes(item.mol, x).count);
      if (hasStereo) this.chiralOk.push(chiralityCheck(this.rd, item.mol, x).ok);
      if (atoms.length) this.centresOk.push(chiralityCheck(this.rd, centresOnly, x).ok);
      if (bonds.length) this.bondsOk.push(chiralityCheck(this.rd, bondsOnly, x).ok);
    }
  }

  result(): ConformerMetrics {
    return {
      molecules: this.cov.length,
      conformers: this.conformers,
      covR: mean(this.cov.map((c) => c.covR)),
      matR: mean(this.cov.map((c) => c.matR)),
      matRMedian: median(this.cov.map((c) => c.matR)),
      covP: mean(this.cov.map((c) => c.covP)),
      matP: mean(this.cov.map((c) => c.matP)),
      bondLengthError: mean(this.bondErr),
      bondAngleError: mean(this.angleErr),
      clashesPerConformer: mean(this.clashCounts),
      stereoMolecules: this.stereoMolecules,
      chiralityKept: this.chiralOk.length ? this.chiralOk.filter(Boolean).length / this.chiralOk.length : null,
      mirrored: this.mirrored,
      centreInverted: this.centreInverted,
      bondTurned: this.bondTurned,
      centresKept: share(this.centresOk),
      centreMolecules: this.centreMolecules,
      doubleBondsKept: share(this.bondsOk),
      doubleBondMolecules: this.doubleBondMolecules,
    };
  }
}

class TopologyAccumulator {
  private rows: { valid: boolean; validAsDecoded: boolean; exact: boolean; bondAccuracy: number; atomAccuracy: number }[] = [];
  private reasons = new Map<string, number>();
  private examples: NonNullable<TopologyMetrics['invalidExamples']> = [];

  add(
    refAtoms: number[], refCodes: Uint8Array, predAtoms: number[],
    check: { valid: boolean; reason: string | null; sanitizedCodes: Uint8Array | null; validAsDecoded?: boolean; reasonAsDecoded?: string | null },
    rawCodes: Uint8Array, record?: Pick<MoleculeRecord, 'index' | 'smiles'>,
  ): void {
    // A sanitised graph is judged with RDKit's aromaticity (4 = aromatic), as the data set's codes are.
    const c = compareTopology(refAtoms, refCodes, predAtoms, check.sanitizedCodes ?? rawCodes);
    const validAsDecoded = check.validAsDecoded ?? check.valid;
    const reason = check.validAsDecoded === false ? check.reasonAsDecoded : check.reason;
    this.rows.push({ valid: check.valid, validAsDecoded, exact: c.exact, bondAccuracy: c.bondAccuracy, atomAccuracy: c.atomsCorrect / c.atoms });
    // Reasons are those of the graph as decoded: what the model got wrong, corrected or not.
    if (!validAsDecoded && reason) {
      // Group reasons by their shape, not the atom numbers in them.
      const key = reason.replace(/\d+/g, '#');
      this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1);
      if (record && this.examples.length < 10) this.examples.push({ index: record.index, smiles: record.smiles, reason, corrected: check.valid });
    }
  }

  result(): TopologyMetrics {
    const r = this.rows;
    return {
      molecules: r.length,
      valid: mean(r.map((x) => (x.valid ? 1 : 0))),
      validAsDecoded: mean(r.map((x) => (x.validAsDecoded ? 1 : 0))),
      exact: mean(r.map((x) => (x.exact ? 1 : 0))),
      bondAccuracy: mean(r.map((x) => x.bondAccuracy)),
      atomAccuracy: mean(r.map((x) => x.atomAccuracy)),
      invalidReasons: [...this.reasons].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([reason, count]) => ({ reason, count })),
      invalidExamples: this.examples,
    };
  }
}

export interface EvalContext {
  engine: Engine;
  rd: RDKit;
  model: MoleculeSDE;
  dataset: Dataset;
  checkpoint: string;
  /** The GPU adapter, for the report. */
  adapter?: string;
  log?: (message: string) => void;
}

export function mergeEvalSettings(over: Partial<Omit<EvalSettings, 'conformerSampler' | 'topologySampler'>> & { conformerSampler?: Partial<SamplerSettings>; topologySampler?: Partial<SamplerSettings> } = {}): EvalSettings {
  const s: EvalSettings = {
    ...DEFAULT_EVAL_SETTINGS,
    ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)),
    conformerSampler: resolveSamplerSettings({ ...DEFAULT_EVAL_SETTINGS.conformerSampler, ...over.conformerSampler }),
    topologySampler: resolveSamplerSettings({ ...DEFAULT_EVAL_SETTINGS.topologySampler, ...over.topologySampler }),
  };
  if (s.maxMolecules !== null && !(Number.isInteger(s.maxMolecules) && s.maxMolecules >= 1)) throw new Error(`eval: maxMolecules must be a positive integer, got ${s.maxMolecules}`);
  if (!(Number.isInteger(s.samplesPerReference) && s.samplesPerReference >= 1)) throw new Error(`eval: samplesPerReference must be a positive integer, got ${s.samplesPerReference}`);
  if (!(Number.isInteger(s.batchMolecules) && s.batchMolecules >= 1)) throw new Error(`eval: batchMolecules must be a positive integer, got ${s.batchMolecules}`);
  if (!(s.threshold > 0)) throw new Error(`eval: threshold must be positive, got ${s.threshold}`);
  return s;
}

/** Test-split molecules to evaluate, with the ones skipped and why. */
function selectMolecules(rd: RDKit, dataset: Dataset, s: EvalSettings): { items: Item[]; skipped: EvalResult['skipped'] } {
  const items: Item[] = [];
  const skipped: EvalResult['skipped'] = [];
  for (let i = 0; i < dataset.count && (s.maxMolecules === null || items.length < s.maxMolecules); i++) {
    if (dataset.splitCodes[i] !== 2) continue;
    const record = dataset.molecule(i);
    if (record.numAtoms < s.minAtoms) {
      skipped.push({ index: i, smiles: record.smiles, reason: `fewer than ${s.minAtoms} heavy atoms` });
      continue;
    }
    try {
      const mol = chemOfRecord(rd, record);
      items.push({ record, mol, perms: automorphisms(rd, mol) });
    } catch (e) {
      skipped.push({ index: i, smiles: record.smiles, reason: (e as Error).message });
    }
  }
  return { items, skipped };
}

export async function runEvaluation(ctx: EvalContext, settingsIn: Parameters<typeof mergeEvalSettings>[0] = {}): Promise<EvalResult> {
  const t0 = Date.now();
  const s = mergeEvalSettings(settingsIn);
  const { engine, rd, model, dataset } = ctx;
  const log = ctx.log ?? (() => undefined);
  const { items, skipped } = selectMolecules(rd, dataset, s);
  if (items.length === 0) throw new Error(`eval: ${dataset.name} has no usable test-split molecules`);
  log(`eval: ${items.length} test molecules (${skipped.length} skipped)`);

  const modelConf = new ConformerAccumulator(rd, s.threshold);
  const baseConf = new ConformerAccumulator(rd, s.threshold);
  const modelTopo = new TopologyAccumulator();
  const baseTopo = new TopologyAccumulator();
  const K = s.samplesPerReference; // one stored reference conformer per molecule
  const anyBaseline = items.some((it) => (it.record.baselinePositions?.length ?? 0) > 0);
  for (let start = 0, chunk = 0; start < items.length; start += s.batchMolecules, chunk++) {
    const part = items.slice(start, start + s.batchMolecules);
    const mols = part.map((it) => batchMoleculeOf(it.mol));
    // Each chunk draws its own noise: the same seed would reuse element indices across chunks.
    const conf = await sampleConformers(engine, model, replicate(mols, K), { ...s.conformerSampler, seed: mixSeed(s.conformerSampler.seed, chunk, 1) });
    const topo = await sampleTopology(engine, model, mols, { ...s.topologySampler, seed: mixSeed(s.topologySampler.seed, chunk, 2) });
    part.forEach((it, k) => {
      const baseline = it.record.baselinePositions?.slice(0, K) ?? [];
      // Model and baseline figures come from the same molecules.
      if (baseline.length || !anyBaseline) {
        const generated = Array.from({ length: K }, (_, r) => conformerOf(conf, k * K + r));
        for (const x of s.chiralityFix ? generated : []) {
          const o = fixConformerChirality(rd, it.mol, x);
          if (o.mirrored) modelConf.mirrored++;
          if (o.inverted.length) modelConf.centreInverted++;
          if (o.turned.length) modelConf.bondTurned++;
        }
        modelConf.add(it, generated);
      }
      if (baseline.length) baseConf.add(it, baseline.map((p) => Float32Array.from(p)));
      const refAtoms = it.mol.atoms.map((a) => a.atomicNumber);
      const refCodes = recordCodes(it.record);
      const decoded = decodeTopology(rd, topo, k);
      modelTopo.add(refAtoms, refCodes, decoded.atomicNumbers, decoded, decoded.codes, it.record);
      const perceived = perceiveMolecule(rd, refAtoms, it.record.positions);
      baseTopo.add(refAtoms, refCodes, refAtoms, perceived.check, perceived.codes);
    });
    log(`eval: ${Math.min(start + s.batchMolecules, items.length)} / ${items.length} molecules`);
  }
  const baseline = baseConf.result();
  return {
    date: new Date().toISOString(),
    checkpoint: ctx.checkpoint,
    dataset: dataset.name,
    split: 'test',
    adapter: ctx.adapter ?? '',
    settings: s,
    molecules: items.length,
    skipped,
    conformers: { model: modelConf.result(), baseline: baseline.molecules ? baseline : null },
    topology: { model: modelTopo.result(), baseline: baseTopo.result() },
    seconds: (Date.now() - t0) / 1000,
  };
}
