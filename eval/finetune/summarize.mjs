#!/usr/bin/env node
// Prints the markdown table of eval/finetune.md from the results JSON files the runs wrote
// (eval/finetune/<label>-<arm>.json): test / valid RMSE, MAE and R^2 as mean ± sample std over seeds.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const f = (v) => v.toFixed(3);
const pm = (s) => `${f(s.mean)} ± ${f(s.std)}`;
const rows = readdirSync(dir).filter((n) => n.endsWith('.json')).sort().map((n) => {
  const r = JSON.parse(readFileSync(join(dir, n), 'utf8'));
  const epochs = r.runs.map((x) => `${x.bestEpoch}/${x.epochsRun}`).join(', ');
  return `| ${r.labelColumns.join(', ')} | ${r.checkpoint} | ${pm(r.test)} | ${r.testMae ? pm(r.testMae) : ''} | ${r.testR2 ? pm(r.testR2) : ''} | ${pm(r.valid)} | ${r.test.perSeed.map(f).join(', ')} | ${epochs} |`;
});
console.log(`| label | encoder | test ${'RMSE'} | test MAE | test R² | valid RMSE | test per seed | best / run epochs |\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}`);
