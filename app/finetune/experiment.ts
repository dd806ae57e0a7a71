/**
 * A fine-tuning experiment: a labelled set, one split, one initialisation ("arm": a checkpoint's
 * encoder or scratch) over several seeds, summarised as mean ± sample std of the best-validation
 * epoch's metric. The CLI runs one arm per call; the tab runs a pretrained and a scratch arm side
 * by side with the same seeds (same head init, data order and dropout masks per seed).
 */
import type { Engine } from '../../kernels/engine';
import type { RDKit } from '../chem/rdkit';
import type { Split } from '../data/splits';
import { meanStd } from './metrics';
import { downstreamSplit, murckoScaffold, type SplitKind } from './scaffold';
import type { LabelledSet, TaskKind } from './table';
import { finetuneRun, graphOf, metricName, type FinetuneData, type FinetuneOptions, type Init, type RunHooks, type RunResult } from './train';

export interface PreparedSet {
  data: FinetuneData;
  smiles: string[];
  /** 1-based CSV line of each row. */
  lines: number[];
  scaffolds: string[];
  /** Per row, from the file's split column (when one was chosen). */
  parts: (string | undefined)[];
}

export function prepareSet(rd: RDKit, set: LabelledSet): PreparedSet {
  const T = set.labelColumns.length;
  const labels = new Float64Array(set.molecules.length * T);
  set.molecules.forEach((m, i) => labels.set(m.labels, i * T));
  return {
    data: { task: set.task, labelNames: set.labelColumns, graphs: set.molecules.map((m) => graphOf(m.molecule)), labels },
    smiles: set.molecules.map((m) => m.smiles),
    lines: set.molecules.map((m) => m.line),
    scaffolds: set.molecules.map((m) => murckoScaffold(rd, m.molecule)),
    parts: set.molecules.map((m) => m.part),
  };
}

export interface Summary {
  mean: number;
  std: number;
  perSeed: number[];
}

export interface ArmResult {
  init: string;
  task: TaskKind;
  metric: 'roc_auc' | 'rmse';
  test: Summary;
  valid: Summary;
  /** Regression extras on test (mean ± std over seeds). */
  testMae?: Summary;
  testR2?: Summary;
  runs: RunResult[];
}

const summary = (xs: number[]): Summary => ({ ...meanStd(xs), perSeed: xs });

export function summariseArm(task: TaskKind, init: string, runs: RunResult[]): ArmResult {
  const arm: ArmResult = {
    init,
    task,
    metric: metricName(task),
    test: summary(runs.map((r) => r.test.metric)),
    valid: summary(runs.map((r) => r.valid.metric)),
    runs,
  };
  if (task === 'regression') {
    arm.testMae = summary(runs.map((r) => r.test.mae!));
    arm.testR2 = summary(runs.map((r) => r.test.r2!));
  }
  return arm;
}

export function splitOf(prepared: PreparedSet, kind: SplitKind, seed: number): Split {
  return downstreamSplit(kind, prepared.scaffolds, seed, undefined, prepared.parts);
}

/** Seeds seed, seed + 1, ..., one run each; `hooks.onEpoch` also gets the run's index. */
export async function runArm(
  engine: Engine, prepared: PreparedSet, split: Split, init: Init, options: FinetuneOptions, seeds: number[],
  hooks: { onEpoch?: (seedIndex: number, r: Parameters<NonNullable<RunHooks['onEpoch']>>[0]) => ReturnType<NonNullable<RunHooks['onEpoch']>> } = {},
): Promise<ArmResult> {
  const runs: RunResult[] = [];
  for (let k = 0; k < seeds.length; k++) {
    runs.push(await finetuneRun(engine, prepared.data, split, init, options, seeds[k], { onEpoch: (r) => hooks.onEpoch?.(k, r) }));
  }
  return summariseArm(prepared.data.task, init.label, runs);
}
