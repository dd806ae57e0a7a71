/**
 * From a parsed CSV (csv.ts) to a labelled downstream data set: pick the SMILES column and one or
 * more label columns, read labels (numbers, 0/1, true/false; empty = missing), detect the task
 * (binary classification when every label is 0 or 1, else regression; the caller may override),
 * featurise every SMILES with the app's OGB featuriser (rdkit-js), and report every dropped row
 * with its line number and reason next to a summary of what was kept.
 */
import { readSmiles } from '../chem/io';
import type { ChemMolecule, MoleculeLimits } from '../chem/molecule';
import type { RDKit } from '../chem/rdkit';
import { CsvError, type CsvTable } from './csv';

export type TaskKind = 'classification' | 'regression';

export interface RowError {
  /** 1-based line of the record in the file. */
  line: number;
  reason: string;
}

/** One kept row: its SMILES, its molecule and one label per task (NaN = missing). */
export interface LabelledMolecule {
  line: number;
  smiles: string;
  molecule: ChemMolecule;
  labels: Float64Array;
  /** The row's part when a split column was chosen. */
  part?: SplitPart;
}

export type SplitPart = 'train' | 'valid' | 'test';
const PARTS: readonly string[] = ['train', 'valid', 'test'];

export interface LabelColumns {
  smilesColumn: string;
  labelColumns: string[];
  /** Optional column of train / valid / test (a split fixed by the file, e.g. a benchmark's own). */
  splitColumn?: string;
}

export interface TaskSummary {
  column: string;
  /** Rows with a label in this column. */
  labelled: number;
  missing: number;
  /** Classification: rows labelled 1 and 0. */
  positives?: number;
  negatives?: number;
  /** Regression: mean, std, min, max of the labels. */
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
}

export interface LabelledSet {
  task: TaskKind;
  /** The task the labels suggest (detectTask), whatever `task` was forced to. */
  detectedTask: TaskKind;
  smilesColumn: string;
  labelColumns: string[];
  molecules: LabelledMolecule[];
  errors: RowError[];
  summary: { rows: number; kept: number; dropped: number; tasks: TaskSummary[] };
}

/** Molecules a downstream CSV may hold: larger and more elements than the pretraining sets. */
export const FINETUNE_LIMITS: MoleculeLimits = {
  maxHeavyAtoms: 128,
  elements: ['B', 'C', 'N', 'O', 'F', 'Na', 'Mg', 'Si', 'P', 'S', 'Cl', 'K', 'Ca', 'Se', 'Br', 'I'],
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A label field: a number, true/false (1/0), or empty (NaN = missing). Throws with the reason. */
export function parseLabel(raw: string): number {
  const s = raw.trim();
  if (s === '') return NaN;
  const lower = s.toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  if (!NUMBER.test(s)) throw new Error(`'${raw}' is not a number, 0/1, true/false or empty`);
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error(`'${raw}' is not a finite number`);
  return v;
}

/** Classification when every present label of every task is 0 or 1 (and there is at least one). */
export function detectTask(labels: readonly ArrayLike<number>[]): TaskKind {
  let any = false;
  for (const row of labels) {
    for (let t = 0; t < row.length; t++) {
      const v = row[t];
      if (Number.isNaN(v)) continue;
      any = true;
      if (v !== 0 && v !== 1) return 'regression';
    }
  }
  return any ? 'classification' : 'regression';
}

function columnIndex(table: CsvTable, name: string, role: string): number {
  const k = table.header.indexOf(name.trim());
  if (k < 0) throw new CsvError(`CSV: no ${role} column '${name}'; the header has ${table.header.map((h) => `'${h}'`).join(', ')}`);
  return k;
}

/**
 * Reads the chosen columns and featurises the SMILES. Rows are dropped (and listed in `errors`)
 * for a wrong field count, an empty or unparseable SMILES, a label that is not a number, or no
 * label at all. Throws (naming the column) when nothing usable is left, when a forced
 * classification meets a label other than 0/1, or when a classification task has one class only.
 */
export function readLabelledSet(rd: RDKit, table: CsvTable, columns: LabelColumns, options: { task?: TaskKind; limits?: MoleculeLimits } = {}): LabelledSet {
  const { smilesColumn, labelColumns } = columns;
  if (labelColumns.length === 0) throw new CsvError('CSV: choose at least one label column');
  const smilesAt = columnIndex(table, smilesColumn, 'SMILES');
  const labelAt = labelColumns.map((c) => columnIndex(table, c, 'label'));
  if (labelAt.includes(smilesAt)) throw new CsvError(`CSV: column '${smilesColumn}' cannot be both the SMILES and a label column`);
  if (new Set(labelAt).size !== labelAt.length) throw new CsvError('CSV: a label column is chosen twice');
  const splitAt = columns.splitColumn ? columnIndex(table, columns.splitColumn, 'split') : -1;
  if (splitAt >= 0 && (splitAt === smilesAt || labelAt.includes(splitAt))) throw new CsvError(`CSV: the split column '${columns.splitColumn}' is also the SMILES or a label column`);
  const limits = options.limits ?? FINETUNE_LIMITS;
  const width = table.header.length;
  const errors: RowError[] = [];
  const kept: { line: number; smiles: string; labels: Float64Array; part?: SplitPart }[] = [];
  for (const row of table.rows) {
    if (row.fields.length !== width) {
      errors.push({ line: row.line, reason: `line ${row.line}: ${row.fields.length} fields, the header has ${width}` });
      continue;
    }
    const smiles = row.fields[smilesAt].trim();
    if (smiles === '') {
      errors.push({ line: row.line, reason: `line ${row.line}: empty SMILES` });
      continue;
    }
    const labels = new Float64Array(labelAt.length);
    let bad: string | null = null;
    labelAt.forEach((k, t) => {
      if (bad) return;
      try {
        labels[t] = parseLabel(row.fields[k]);
      } catch (e) {
        bad = `line ${row.line}: label '${labelColumns[t]}': ${(e as Error).message}`;
      }
    });
    if (bad) {
      errors.push({ line: row.line, reason: bad });
      continue;
    }
    if (labels.every((v) => Number.isNaN(v))) {
      errors.push({ line: row.line, reason: `line ${row.line}: no label (every label column is empty)` });
      continue;
    }
    let part: SplitPart | undefined;
    if (splitAt >= 0) {
      const p = row.fields[splitAt].trim().toLowerCase();
      if (!PARTS.includes(p)) {
        errors.push({ line: row.line, reason: `line ${row.line}: split '${row.fields[splitAt]}' is not train, valid or test` });
        continue;
      }
      part = p as SplitPart;
    }
    kept.push({ line: row.line, smiles, labels, ...(part ? { part } : {}) });
  }

  const detectedTask = detectTask(kept.map((k) => k.labels));
  const task = options.task ?? detectedTask;
  if (task === 'classification') {
    for (const k of kept) {
      k.labels.forEach((v, t) => {
        if (!Number.isNaN(v) && v !== 0 && v !== 1) {
          throw new CsvError(`CSV: line ${k.line}: label '${labelColumns[t]}' is ${v}; classification needs 0/1 or true/false (choose regression for continuous labels)`);
        }
      });
    }
  }

  const molecules: LabelledMolecule[] = [];
  for (const k of kept) {
    try {
      molecules.push({ ...k, molecule: readSmiles(rd, k.smiles, limits) });
    } catch (e) {
      errors.push({ line: k.line, reason: `line ${k.line}: SMILES '${k.smiles}': ${(e as Error).message}` });
    }
  }
  errors.sort((a, b) => a.line - b.line);
  if (molecules.length === 0) throw new CsvError(`CSV: no usable rows (${table.rows.length} rows, ${errors.length} errors${errors[0] ? `; first: ${errors[0].reason}` : ''})`);

  const tasks = labelColumns.map((column, t) => summariseTask(column, molecules.map((m) => m.labels[t]), task));
  if (task === 'classification') {
    for (const s of tasks) {
      if (s.labelled > 0 && (s.positives === 0 || s.negatives === 0)) {
        throw new CsvError(`CSV: label column '${s.column}' has one class only (${s.positives} positives, ${s.negatives} negatives): a classifier needs both 0 and 1`);
      }
      if (s.labelled === 0) throw new CsvError(`CSV: label column '${s.column}' has no labels in the kept rows`);
    }
  }
  return {
    task,
    detectedTask,
    smilesColumn,
    labelColumns: [...labelColumns],
    molecules,
    errors,
    summary: { rows: table.rows.length, kept: molecules.length, dropped: table.rows.length - molecules.length, tasks },
  };
}

function summariseTask(column: string, values: number[], task: TaskKind): TaskSummary {
  const present = values.filter((v) => !Number.isNaN(v));
  const s: TaskSummary = { column, labelled: present.length, missing: values.length - present.length };
  if (task === 'classification') {
    s.positives = present.filter((v) => v === 1).length;
    s.negatives = present.filter((v) => v === 0).length;
  } else if (present.length > 0) {
    const mean = present.reduce((a, b) => a + b, 0) / present.length;
    s.mean = mean;
    s.std = Math.sqrt(present.reduce((a, b) => a + (b - mean) ** 2, 0) / present.length);
    s.min = present.reduce((a, b) => Math.min(a, b), Infinity);
    s.max = present.reduce((a, b) => Math.max(a, b), -Infinity);
  }
  return s;
}
