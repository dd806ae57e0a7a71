/** Markdown tables of benchmark results (printed by run.ts and pasted into bench/README.md). */
import type { CaseResult, EnvironmentResult, ImplResult } from './harness';

/** f32 results of the same computation in a different order agree far better than this. */
const MISMATCH = 1e-3;

function isTimed(r: ImplResult | { error: string }): r is ImplResult {
  return 'medianMs' in r;
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function rate(v: number): string {
  return v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

function cell(r: ImplResult | { error: string }, unit: string): [string, string] {
  if (isTimed(r)) return [`${ms(r.medianMs)} (min ${ms(r.minMs)}, n=${r.iterations})`, `${rate(r.rate)} ${unit}`];
  const msg = r.error.length > 80 ? `${r.error.slice(0, 77)}...` : r.error;
  return [`n/a: ${msg.replace(/\|/g, '/')}`, ''];
}

function row(r: CaseResult): string {
  const [oursMs, oursRate] = cell(r.ours, r.unit);
  const [tfMs, tfRate] = cell(r.tfjs, r.unit);
  const ratio = isTimed(r.ours) && isTimed(r.tfjs) ? `**${(r.tfjs.medianMs / r.ours.medianMs).toFixed(2)}x**` : 'n/a';
  const diff = r.maxRelDiff === undefined ? '' : `${r.maxRelDiff.toExponential(1)}${r.maxRelDiff > MISMATCH ? ' MISMATCH' : ''}`;
  return `| ${r.name} | ${r.shape} | ${r.pass} | ${oursMs} | ${oursRate} | ${tfMs} | ${tfRate} | ${ratio} | ${diff} |`;
}

export function formatEnvironment(env: EnvironmentResult): string {
  const lines = [
    `### ${env.environment}`,
    '',
    `- adapter (ours): ${env.adapter}`,
    `- adapter (tfjs): ${env.tfjsAdapter}`,
    `- machine: ${env.machine}`,
    `- date: ${env.date}`,
  ];
  if (env.tfjsError) lines.push(`- TensorFlow.js: ${env.tfjsError}`);
  lines.push(
    '',
    '| case | shape | pass | ours ms (median) | ours rate | tfjs ms (median) | tfjs rate | tfjs / ours | max rel diff |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...env.results.map(row),
    '',
  );
  return lines.join('\n');
}
