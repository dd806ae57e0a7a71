/**
 * Downstream metrics in float64 on the host: ROC-AUC (per task, averaged over the tasks that have
 * both classes among their labelled rows, as the MoleculeNet protocol of the paper does), the ROC
 * curve for plotting, and RMSE / MAE / R^2 (per task, averaged). Missing labels are NaN and are
 * left out task by task.
 */

/**
 * Area under the ROC curve of `scores` for binary `labels` (0/1), ties counted half (the
 * Mann-Whitney statistic: P(score of a positive > score of a negative) + P(equal) / 2).
 * NaN when one class is absent.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  if (labels.length !== scores.length) throw new Error(`rocAuc: ${labels.length} labels but ${scores.length} scores`);
  const idx = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos++;
    else if (labels[i] === 0) neg++;
    else throw new Error(`rocAuc: label ${i} is ${labels[i]}, expected 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new Error(`rocAuc: score ${i} is ${scores[i]}`);
  }
  if (pos === 0 || neg === 0) return NaN;
  // Sum of the (mid-)ranks of the positives, ties sharing the mean rank of their block.
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (labels[idx[k]] === 1) rankSum += midRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** ROC points (false positive rate, true positive rate) from (0, 0) to (1, 1), one per distinct threshold. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): { fpr: number[]; tpr: number[] } {
  const idx = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) pos++;
  const neg = labels.length - pos;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) {
      if (labels[idx[j]] === 1) tp++;
      else fp++;
      j++;
    }
    fpr.push(neg ? fp / neg : 0);
    tpr.push(pos ? tp / pos : 0);
    i = j;
  }
  return { fpr, tpr };
}

export interface RegressionMetrics {
  rmse: number;
  mae: number;
  r2: number;
}

/** RMSE, MAE and R^2 = 1 - SS_res / SS_tot (SS_tot around the mean of the targets). */
export function regressionMetrics(targets: ArrayLike<number>, preds: ArrayLike<number>): RegressionMetrics {
  const n = targets.length;
  if (n !== preds.length) throw new Error(`regressionMetrics: ${n} targets but ${preds.length} predictions`);
  if (n === 0) return { rmse: NaN, mae: NaN, r2: NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i];
  mean /= n;
  let se = 0, ae = 0, tot = 0;
  for (let i = 0; i < n; i++) {
    const d = preds[i] - targets[i];
    se += d * d;
    ae += Math.abs(d);
    tot += (targets[i] - mean) ** 2;
  }
  return { rmse: Math.sqrt(se / n), mae: ae / n, r2: tot > 0 ? 1 - se / tot : NaN };
}

/** Column t of a row-major [rows, tasks] array, rows whose label is present only. */
function taskColumn(labels: ArrayLike<number>, preds: ArrayLike<number>, tasks: number, t: number): { y: number[]; p: number[] } {
  const y: number[] = [];
  const p: number[] = [];
  for (let i = t; i < labels.length; i += tasks) {
    if (Number.isNaN(labels[i])) continue;
    y.push(labels[i]);
    p.push(preds[i]);
  }
  return { y, p };
}

export interface ClassificationReport {
  /** Mean ROC-AUC over the tasks with both classes (NaN when none has). */
  rocAuc: number;
  perTask: number[];
  /** Tasks that had both classes. */
  validTasks: number;
}

/** Multi-task ROC-AUC over row-major [rows, tasks] labels (0/1/NaN) and scores. */
export function classificationReport(labels: ArrayLike<number>, scores: ArrayLike<number>, tasks: number): ClassificationReport {
  const perTask: number[] = [];
  for (let t = 0; t < tasks; t++) {
    const { y, p } = taskColumn(labels, scores, tasks, t);
    perTask.push(rocAuc(y, p));
  }
  const ok = perTask.filter((v) => !Number.isNaN(v));
  return { rocAuc: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN, perTask, validTasks: ok.length };
}

export interface RegressionReport extends RegressionMetrics {
  perTask: RegressionMetrics[];
}

/** Multi-task regression metrics (each averaged over tasks) over row-major [rows, tasks] arrays. */
export function regressionReport(labels: ArrayLike<number>, preds: ArrayLike<number>, tasks: number): RegressionReport {
  const perTask: RegressionMetrics[] = [];
  for (let t = 0; t < tasks; t++) {
    const { y, p } = taskColumn(labels, preds, tasks, t);
    perTask.push(regressionMetrics(y, p));
  }
  const mean = (k: keyof RegressionMetrics) => perTask.reduce((a, m) => a + m[k], 0) / tasks;
  return { rmse: mean('rmse'), mae: mean('mae'), r2: mean('r2'), perTask };
}

/** Mean and sample standard deviation (n - 1; 0 for one value). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}
