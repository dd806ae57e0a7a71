#!/usr/bin/env node
// Draws a training log (the CSV that `npm run pretrain -- --log FILE.csv` writes) as an SVG: one
// panel per loss term, raw values faint, an exponential moving average on top, log-scaled y.
// Usage: node tools/plot_training_log.mjs runs/log.csv out.svg
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node tools/plot_training_log.mjs LOG.csv OUT.svg');
  process.exit(2);
}
const lines = readFileSync(input, 'utf8').trim().split('\n');
const header = lines[0].split(',');
const terms = ['total', 'contrastive', 'denoise2Dto3D', 'atoms3Dto2D', 'bonds3Dto2D'];
const col = Object.fromEntries(header.map((h, i) => [h, i]));
for (const t of ['step', ...terms]) if (!(t in col)) throw new Error(`${input}: no column '${t}' in the header`);
const rows = lines.slice(1).map((l) => l.split(','));
const steps = rows.map((r) => Number(r[col.step]));

const W = 900, PH = 150, PAD = 50, GAP = 24;
const H = terms.length * (PH + GAP) + PAD;
const x = (s) => PAD + ((s - steps[0]) / Math.max(1, steps[steps.length - 1] - steps[0])) * (W - 2 * PAD);
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
svg += `<rect width="100%" height="100%" fill="white"/>\n`;
terms.forEach((term, k) => {
  const top = 20 + k * (PH + GAP);
  const vals = rows.map((r) => Number(r[col[term]]));
  const ok = vals.filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(Math.min(...ok)), hi = Math.log10(Math.max(...ok));
  const y = (v) => top + PH - ((Math.log10(v) - lo) / Math.max(1e-9, hi - lo)) * PH;
  // Bias-corrected exponential moving average (as Adam corrects its moments), so the curve does
  // not lag behind at the start.
  let ema = 0;
  let n = 0;
  const smooth = [];
  const pts = [];
  vals.forEach((v, i) => {
    if (!(Number.isFinite(v) && v > 0)) return;
    ema = 0.98 * ema + 0.02 * v;
    n++;
    pts.push(`${x(steps[i]).toFixed(1)},${y(v).toFixed(1)}`);
    smooth.push(`${x(steps[i]).toFixed(1)},${y(ema / (1 - 0.98 ** n)).toFixed(1)}`);
  });
  svg += `<rect x="${PAD}" y="${top}" width="${W - 2 * PAD}" height="${PH}" fill="none" stroke="#ccc"/>\n`;
  svg += `<text x="${PAD + 6}" y="${top + 14}" font-weight="bold">${term}</text>\n`;
  svg += `<text x="${PAD - 4}" y="${top + 10}" text-anchor="end">${(10 ** hi).toPrecision(3)}</text>\n`;
  svg += `<text x="${PAD - 4}" y="${top + PH}" text-anchor="end">${(10 ** lo).toPrecision(3)}</text>\n`;
  svg += `<polyline fill="none" stroke="#9ecae1" stroke-width="0.6" points="${pts.join(' ')}"/>\n`;
  svg += `<polyline fill="none" stroke="#08519c" stroke-width="1.6" points="${smooth.join(' ')}"/>\n`;
});
svg += `<text x="${PAD}" y="${H - 12}">step ${steps[0]}</text><text x="${W - PAD}" y="${H - 12}" text-anchor="end">step ${steps[steps.length - 1]}</text>\n`;
svg += `</svg>\n`;
writeFileSync(output, svg);
console.log(`wrote ${output}: ${rows.length} steps, ${terms.length} terms`);
