import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'finetune-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const finetune = (args: string[]) => run('node', ['--import', './app/cli/register.mjs', 'app/cli/finetune.ts', ...args], { timeout: 180_000 });

describe('npm run finetune', () => {
  it('prints the table, writes the results JSON, and gives the same numbers for the same seed', async () => {
    await testEngine(); // a WebGPU adapter must exist (the CLI runs on it)
    const smiles = ['CCO', 'CCN', 'CCC', 'c1ccccc1', 'c1ccncc1', 'CC(=O)O', 'C1CCCCC1', 'CCOC', 'c1ccoc1', 'NCCO', 'CC#N', 'OC1CCCC1', 'Cc1ccccc1', 'CCCCO', 'C1CCNCC1', 'CC(C)O', 'c1ccsc1', 'CCCl', 'OCC(O)CO', 'C1CC1'];
    const csv = join(dir, 'd.csv');
    writeFileSync(csv, `smiles;y\r\n${smiles.map((s, i) => `${s};${(i % 5) * 0.5 + s.length / 4}`).join('\r\n')}\r\n`);
    const args = (out: string) => ['--csv', csv, '--label-column', 'y', '--split', 'random', '--checkpoint', 'public/checkpoints/default.safetensors', '--seeds', '2', '--epochs', '2', '--batch', '8', '--seed', '3', '--out', out];
    const a = await finetune(args(join(dir, 'a.json')));
    const b = await finetune(args(join(dir, 'b.json')));
    expect(a.stdout).toMatch(/\| seed \| best epoch \/ run \| valid rmse \| test rmse \|/);
    expect(a.stdout).toMatch(/test rmse \d+\.\d+ ± \d+\.\d+/);
    const ra = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    const rb = JSON.parse(readFileSync(join(dir, 'b.json'), 'utf8'));
    expect(ra).toMatchObject({ task: 'regression', metric: 'rmse', checkpoint: 'public/checkpoints/default.safetensors', seeds: [3, 4] });
    expect(ra.test.perSeed.length).toBe(2);
    expect(Number.isFinite(ra.test.mean) && Number.isFinite(ra.valid.std)).toBe(true);
    expect(rb.test).toEqual(ra.test);
    expect(rb.valid).toEqual(ra.valid);
    expect(rb.runs.map((r: { curve: unknown }) => r.curve)).toEqual(ra.runs.map((r: { curve: unknown }) => r.curve));
  }, 300_000);

  it('exits with a clear message for a missing label column', async () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'smiles,y\nCCO,1\n');
    await expect(finetune(['--csv', csv, '--label-column', 'activity', '--checkpoint', 'none'])).rejects.toMatchObject({ stderr: expect.stringMatching(/no label column 'activity'; the header has 'smiles', 'y'/) });
  }, 120_000);
});
