import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../kernels/random';
import { classificationReport, meanStd, regressionMetrics, regressionReport, rocAuc, rocCurve } from './metrics';

/** Independent float64 reference: the pairwise definition, O(n_pos * n_neg). */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((li, i) => {
    if (li !== 1) return;
    labels.forEach((lj, j) => {
      if (lj !== 0) return;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('ROC-AUC', () => {
  it('matches hand-computed cases', () => {
    // Perfect, reversed, and one swapped pair out of 2 x 2 = 4 pairs.
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [0.1, 0.3, 0.35, 0.8])).toBe(0.75);
    // Ties count half: positive 0.5 vs negatives {0.5, 0.2}: 0.5 + 1 = 1.5 of 2 pairs.
    expect(rocAuc([1, 0, 0], [0.5, 0.5, 0.2])).toBe(0.75);
    // All scores equal: 0.5.
    expect(rocAuc([1, 0, 1, 0], [3, 3, 3, 3])).toBe(0.5);
  });

  it('is NaN with one class and refuses labels other than 0/1', () => {
    expect(rocAuc([1, 1], [0.2, 0.4])).toBeNaN();
    expect(() => rocAuc([1, 2], [0.2, 0.4])).toThrow(/label 1 is 2/);
  });

  it('equals the pairwise float64 reference on random data with ties', () => {
    const r = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(r() * 60);
      const labels = Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      const scores = Array.from({ length: n }, () => Math.round(r() * 10) / 10);
      expect(rocAuc(labels, scores)).toBeCloseTo(pairwiseAuc(labels, scores), 12);
    }
  });

  it('ROC curve runs from (0,0) to (1,1) and its trapezoid area is the AUC', () => {
    const labels = [0, 1, 0, 1, 1, 0, 1];
    const scores = [0.1, 0.9, 0.4, 0.4, 0.7, 0.2, 0.3];
    const { fpr, tpr } = rocCurve(labels, scores);
    expect([fpr[0], tpr[0], fpr.at(-1), tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    let area = 0;
    for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
    expect(area).toBeCloseTo(rocAuc(labels, scores), 12);
  });

  it('averages over tasks that have both classes, skipping missing labels', () => {
    // Task 0: labels 0,1,0,1 with scores giving 0.75; task 1: only 1s present -> left out.
    const labels = [0, 1, 1, NaN, 0, 1, 1, 1];
    const scores = [0.1, 0.5, 0.3, 0.9, 0.35, 0.2, 0.8, 0.4];
    const r = classificationReport(labels, scores, 2);
    expect(r.perTask[0]).toBe(0.75);
    expect(r.perTask[1]).toBeNaN();
    expect(r.rocAuc).toBe(0.75);
    expect(r.validTasks).toBe(1);
  });
});

describe('regression metrics', () => {
  it('match hand-computed RMSE, MAE and R^2', () => {
    // errors 1, -1, 2, 0: SE 6, AE 4; targets 1,2,3,4: mean 2.5, SS_tot 5.
    const m = regressionMetrics([1, 2, 3, 4], [2, 1, 5, 4]);
    expect(m.rmse).toBeCloseTo(Math.sqrt(6 / 4), 14);
    expect(m.mae).toBe(1);
    expect(m.r2).toBeCloseTo(1 - 6 / 5, 14);
    expect(regressionMetrics([1, 2, 3], [1, 2, 3])).toEqual({ rmse: 0, mae: 0, r2: 1 });
  });

  it('averages per task over present labels', () => {
    // Task 0: targets [0, 2] preds [1, 2] -> RMSE sqrt(1/2); task 1: targets [4] (one missing), pred 1 -> RMSE 3.
    const r = regressionReport([0, 4, 2, NaN], [1, 1, 2, 7], 2);
    expect(r.perTask[0].rmse).toBeCloseTo(Math.SQRT1_2, 14);
    expect(r.perTask[1].rmse).toBe(3);
    expect(r.rmse).toBeCloseTo((Math.SQRT1_2 + 3) / 2, 14);
  });

  it('mean ± sample std', () => {
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3) });
    expect(meanStd([7])).toEqual({ mean: 7, std: 0 });
  });
});
