/**
 * Regression tests of issue 12's CLI reproductions: every bad input, output or interruption ends
 * with a clear message and a non-zero exit (or a correct result), with nothing overwritten or lost.
 * Each test runs the real CLI in a child process on a tiny random checkpoint / the tiny data set.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { decodeCheckpoint } from '../model/checkpoint';
import { checkFiniteWeights } from '../model/loadModel';
import { randomCheckpoint } from '../model/testCheckpoint';

const run = promisify(execFile);
const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'reliability-cli-'));
let ckpt = '';
beforeAll(async () => {
  ckpt = join(dir, 'tiny.safetensors');
  writeFileSync(ckpt, await randomCheckpoint(await testEngine()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(tool: string, args: string[], cwd = root) {
  return run('node', ['--import', join(root, 'app/cli/register.mjs'), join(root, `app/cli/${tool}.ts`), ...args], { timeout: 120_000, cwd });
}

const TINY = ['--data', 'app/data/fixtures/tiny.bin', '--batch', '2', '--set', 'gin.dim=16', '--set', 'schnet.dim=16', '--set', 'schnet.numFilters=16', '--set', 'schnet.numGaussians=8', '--set', 'score3Dto2D.nfeat=16'];
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('sample: outputs and inputs', () => {
  it('--out naming the checkpoint is refused and the checkpoint is left intact', async () => {
    const before = readFileSync(ckpt);
    await expect(cli('sample', ['--smiles', 'CCO', '-n', '1', '--steps', '2', '--checkpoint', ckpt, '--out', ckpt])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/also an input of this command/) });
    expect(readFileSync(ckpt).equals(before)).toBe(true);
  });

  it('an existing --out is refused without --force and replaced with it', async () => {
    const out = join(dir, 'existing.sdf');
    writeFileSync(out, 'keep me');
    await expect(cli('sample', ['--smiles', 'CCO', '-n', '1', '--steps', '2', '--checkpoint', ckpt, '--out', out])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/already exists; pass --force/) });
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    await cli('sample', ['--smiles', 'CCO', '-n', '1', '--steps', '2', '--checkpoint', ckpt, '--out', out, '--force']);
    expect(readFileSync(out, 'utf8')).toMatch(/\$\$\$\$/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a 1000-atom SMILES and a SMILES with a space exit 1 with the reason and write nothing', async () => {
    const out = join(dir, 'long.sdf');
    await expect(cli('sample', ['--smiles', 'C'.repeat(1000), '-n', '1', '--steps', '2', '--checkpoint', ckpt, '--out', out])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/1000 characters/) });
    await expect(cli('sample', ['--smiles', 'c1ccccc1 CCO', '-n', '1', '--steps', '2', '--checkpoint', ckpt, '--out', out])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/whitespace at position 9/) });
    expect(existsSync(out)).toBe(false);
  });

  it('--snr 100 stops with the diverging step and advice instead of writing an unreadable SDF', async () => {
    const out = join(dir, 'diverged.sdf');
    const err = await cli('sample', ['--smiles', 'CCO', '-n', '2', '--steps', '20', '--snr', '100', '--checkpoint', ckpt, '--out', out]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1, stderr: expect.stringMatching(/sampling diverged at step \d+ of 20.*smaller --snr/) });
    expect(existsSync(out)).toBe(false);
  });

  it('-n 1000000 is refused with a message, not a stack overflow', async () => {
    await expect(cli('sample', ['--smiles', 'CCO', '-n', '1000000', '--steps', '2', '--checkpoint', ckpt, '--out', join(dir, 'many.sdf')])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/-n 1000000 .* run several times/) });
  });
});

describe('topology and eval', () => {
  it('topology reads an .xyz file and reports a bond-less molecule as n/a, not 100.0% (0/0)', async () => {
    const xyz = join(dir, 'methane.xyz');
    writeFileSync(xyz, '5\nmethane\nC 0 0 0\nH 0.63 0.63 0.63\nH -0.63 -0.63 0.63\nH -0.63 0.63 -0.63\nH 0.63 -0.63 -0.63\n');
    const { stdout } = await cli('topology', ['--in', xyz, '--steps', '3', '--checkpoint', ckpt]);
    expect(stdout).toMatch(/record 1 .*input C\n/);
    expect(stdout).toMatch(/baseline: C\s+bond accuracy n\/a \(no bonds in either graph\)/);
    expect(stdout).not.toContain('(0/0)');
  });

  it('eval without --out-dir writes a new run folder and leaves eval/results.md alone', async () => {
    const cwd = join(dir, 'evalcwd');
    mkdirSync(join(cwd, 'eval'), { recursive: true });
    writeFileSync(join(cwd, 'eval', 'results.md'), 'committed');
    await cli('eval', ['--quick', '--data', join(root, 'app/data/fixtures/tiny.bin'), '--steps', '2', '--checkpoint', ckpt], cwd);
    expect(readFileSync(join(cwd, 'eval', 'results.md'), 'utf8')).toBe('committed');
    const runs = readdirSync(join(cwd, 'eval', 'runs'));
    expect(runs.length).toBe(1);
    expect(readFileSync(join(cwd, 'eval', 'runs', runs[0], 'results.md'), 'utf8')).toContain('exact-graph recovery');
  });
});

describe('pretrain: flags and outputs are checked before training', () => {
  it('--set __proto__.x=1, --seed -1 and a missing --resume exit 2 with a message and no stack trace', async () => {
    const out = join(dir, 'p.safetensors');
    for (const args of [['--set', '__proto__.gin=1'], ['--set', 'constructor.prototype.x=1'], ['--seed', '-1'], ['--resume', join(dir, 'missing.safetensors')], ['--set', 'gin.dim=100000']]) {
      const err = await cli('pretrain', ['--steps', '1', '--out', out, ...TINY, ...args]).catch((e: { code: number; stderr: string }) => e);
      expect(err).toMatchObject({ code: 2 });
      noStack((err as { stderr: string }).stderr);
    }
    expect(({} as Record<string, unknown>).gin).toBeUndefined();
  });

  it('an unwritable --out, a folder as --out and an existing --out are refused before any step', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const cases: [string, RegExp][] = [[join(file, 'run.safetensors'), /is a file|cannot write/], [dir, /is a folder/], [ckpt, /already exists; pass --force/]];
    for (const [out, msg] of cases) {
      const err = await cli('pretrain', ['--steps', '1', '--out', out, ...TINY]).catch((e: { code: number; stderr: string }) => e);
      expect(err).toMatchObject({ code: 2, stderr: expect.stringMatching(msg) });
      expect((err as { stderr: string }).stderr).not.toMatch(/\d+\/1 \|/); // no step ran
    }
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('pretrain: runs survive', () => {
  it('SIGTERM and SIGHUP save a checkpoint and exit 143 / 129; periodic checkpoints keep the previous as .prev', async () => {
    for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const out = join(dir, `sig-${signal}.safetensors`);
      const child = spawn('node', ['--import', './app/cli/register.mjs', 'app/cli/pretrain.ts', '--steps', '1000', '--out', out, '--checkpoint-every', '2', '--log-every', '1', ...TINY], { cwd: root });
      let stderr = '';
      const exited = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
      await new Promise<void>((ready) => child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/wrote .* at step 2 /.test(stderr)) ready();
      }));
      child.kill(signal);
      expect(await exited).toBe(code);
      const saved = decodeCheckpoint(readFileSync(out));
      expect(saved.step).toBeGreaterThanOrEqual(3);
      expect(saved.trainer).not.toBeNull();
      expect(decodeCheckpoint(readFileSync(`${out}.prev`)).step).toBeLessThan(saved.step);
    }
  });

  it('a streak of non-finite steps never overwrites the last good checkpoint (it goes to .unhealthy)', async () => {
    const out = join(dir, 'streak.safetensors');
    const { stderr } = await cli('pretrain', ['--steps', '6', '--out', out, '--checkpoint-every', '1', '--log-every', '1', '--lr', '1e30', ...TINY]);
    expect(stderr).toMatch(/skipped/);
    expect(stderr).toMatch(/kept .*streak\.safetensors \(the last good checkpoint\)/);
    const good = decodeCheckpoint(readFileSync(out));
    expect(() => checkFiniteWeights(good)).not.toThrow();
    expect(good.step).toBeLessThan(6);
    expect(existsSync(`${out}.unhealthy`)).toBe(true);
  });

  it('--resume of a checkpoint trained on another data set (the shipped one, on the tiny fixture) continues, saying what changes', async () => {
    const out = join(dir, 'continued.safetensors');
    const shipped = decodeCheckpoint(readFileSync('public/checkpoints/default.safetensors'));
    const { stderr } = await cli('pretrain', ['--resume', 'public/checkpoints/default.safetensors', '--data', 'app/data/fixtures/tiny.bin', '--steps', String(shipped.step + 1), '--out', out]);
    expect(stderr).toMatch(/the data order restarts epoch \d+ as this data set's seeded permutation/);
    const next = decodeCheckpoint(readFileSync(out));
    expect(next.step).toBe(shipped.step + 1);
    expect(statSync('public/checkpoints/default.safetensors').size).toBeGreaterThan(1e6);
  });
});
