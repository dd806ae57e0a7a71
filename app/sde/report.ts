/** The evaluation results table (markdown) and its JSON twin. */
import type { ConformerMetrics, EvalResult, TopologyMetrics } from './evaluate';

const pct = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(1)}%`);
const num = (v: number | null | undefined, digits: number, unit = '') => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(digits)}${unit}`);

function conformerRows(m: ConformerMetrics, b: ConformerMetrics | null, threshold: number): string[] {
  const row = (name: string, f: (x: ConformerMetrics) => string) => `| ${name} | ${f(m)} | ${b ? f(b) : 'n/a'} |`;
  return [
    `| 2D->3D (conformers) | model | baseline: stored ETKDG + MMFF |`,
    `|---|---|---|`,
    row('molecules / conformers', (x) => `${x.molecules} / ${x.conformers}`),
    row(`COV-R @ ${threshold} Å (mean)`, (x) => pct(x.covR)),
    row('MAT-R, Å (mean / median)', (x) => `${num(x.matR, 3)} / ${num(x.matRMedian, 3)}`),
    row(`COV-P @ ${threshold} Å (mean)`, (x) => pct(x.covP)),
    row('MAT-P, Å (mean)', (x) => num(x.matP, 3)),
    row('bond-length error, Å (mean abs)', (x) => num(x.bondLengthError, 3)),
    row('bond-angle error, ° (mean abs)', (x) => num(x.bondAngleError, 1)),
    row('clashes per conformer (< 2 Å, not 1-2/1-3)', (x) => num(x.clashesPerConformer, 2)),
    row('chirality kept (conformers of stereo molecules)', (x) => `${pct(x.chiralityKept)} of ${x.stereoMolecules} mol.`),
    row('... of which: all R/S centres right (molecules with centres)', (x) => `${pct(x.centresKept)} of ${x.centreMolecules ?? 0} mol.`),
    row('... of which: all E/Z double bonds right (molecules with E/Z)', (x) => `${pct(x.doubleBondsKept)} of ${x.doubleBondMolecules ?? 0} mol.`),
    row('conformers mirrored / with a centre inverted / with a double bond turned by the fix', (x) => `${x.mirrored ?? 0} / ${x.centreInverted ?? 0} / ${x.bondTurned ?? 0}`),
  ];
}

function topologyRows(m: TopologyMetrics, b: TopologyMetrics): string[] {
  const row = (name: string, f: (x: TopologyMetrics) => string) => `| ${name} | ${f(m)} | ${f(b)} |`;
  return [
    `| 3D->2D (graph from geometry) | model | baseline: distance perception |`,
    `|---|---|---|`,
    row('molecules', (x) => String(x.molecules)),
    row('exact-graph recovery', (x) => pct(x.exact)),
    row('bond accuracy (correct / bonded in either)', (x) => pct(x.bondAccuracy)),
    row('atom-type accuracy', (x) => pct(x.atomAccuracy)),
    row('valid molecules (RDKit)', (x) => pct(x.valid)),
    `| valid as decoded (before the valency correction, §3.8) | ${pct(m.validAsDecoded ?? m.valid)} | n/a |`,
  ];
}

export function resultsMarkdown(r: EvalResult): string {
  const s = r.settings;
  const sampler = (x: typeof s.conformerSampler) =>
    x.sampler === 'pc' ? `PC, ${x.steps} steps, ${x.correctorSteps} corrector step(s), snr ${x.snr}, seed ${x.seed}` : `ODE (${x.odeMethod}), ${x.steps} steps, seed ${x.seed}`;
  const lines = [
    '# MoleculeSDE lab: held-out evaluation',
    '',
    `- date: ${r.date}`,
    `- checkpoint: \`${r.checkpoint}\``,
    `- data: \`${r.dataset}\`, ${r.split} split, ${r.molecules} molecules${r.skipped.length ? ` (${r.skipped.length} skipped)` : ''}${s.maxMolecules !== null ? ` (limited to ${s.maxMolecules})` : ''}`,
    `- 2D->3D sampler: ${sampler(s.conformerSampler)}; ${s.samplesPerReference} samples per reference conformer; RMSD over heavy atoms, symmetry-aware`,
    `- 3D->2D sampler: ${sampler(s.topologySampler)}`,
    `- chirality fix (mirror a conformer whose stereocentres come out inverted, then invert single wrong centres and turn wrong E/Z bonds; docs/method.md §2.8): ${s.chiralityFix === false ? 'off' : 'on'}`,
    ...(r.adapter ? [`- adapter: ${r.adapter}`] : []),
    `- wall time: ${r.seconds.toFixed(1)} s`,
    '',
    ...conformerRows(r.conformers.model, r.conformers.baseline, s.threshold),
    '',
    ...topologyRows(r.topology.model, r.topology.baseline),
    '',
  ];
  const reasons = r.topology.model.invalidReasons;
  if (reasons.length) {
    lines.push('Most frequent reasons a recovered graph was not a molecule as decoded (model, before the valency correction):', '');
    for (const x of reasons) lines.push(`- ${x.count} x ${x.reason}`);
    lines.push('');
    for (const x of r.topology.model.invalidExamples ?? []) {
      lines.push(`- #${x.index} \`${x.smiles}\`: ${x.reason}${x.corrected ? ' (valid after the correction)' : ' (still invalid after the correction)'}`);
    }
    if (r.topology.model.invalidExamples?.length) lines.push('');
  }
  if (r.skipped.length) {
    lines.push('Skipped molecules:', '');
    for (const x of r.skipped.slice(0, 20)) lines.push(`- #${x.index} \`${x.smiles}\`: ${x.reason}`);
    if (r.skipped.length > 20) lines.push(`- ... and ${r.skipped.length - 20} more`);
    lines.push('');
  }
  return lines.join('\n');
}

/** JSON with NaN written as null (JSON has no NaN). */
export function resultsJson(r: EvalResult): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
