import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testEngine } from '../../kernels/testing';
import { getRDKit } from '../chem/rdkit';
import { readSdf, readSmiles } from '../chem/io';
import { chiralityCheck } from '../chem/metrics';
import { randomCheckpoint } from '../model/testCheckpoint';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sde-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(tool: string, args: string[]) {
  return run('node', ['--import', './app/cli/register.mjs', `app/cli/${tool}.ts`, ...args], { timeout: 120_000 });
}

async function checkpointFile(): Promise<string> {
  const path = join(dir, 'tiny.safetensors');
  writeFileSync(path, await randomCheckpoint(await testEngine()));
  return path;
}

describe('sampling CLIs (a tiny random checkpoint)', () => {
  it('sample writes an SDF of n conformers with the input bonds that RDKit reads; topology prints SMILES and bond accuracy', async () => {
    const ckpt = await checkpointFile();
    const out = join(dir, 'confs.sdf');
    await cli('sample', ['--smiles', 'CC(=O)Oc1ccccc1C(=O)O', '-n', '3', '--steps', '5', '--seed', '1', '--out', out, '--checkpoint', ckpt]);
    const rd = await getRDKit();
    const sdf = readSdf(rd, readFileSync(out, 'utf8'));
    expect(sdf.errors).toEqual([]);
    expect(sdf.molecules.length).toBe(3);
    for (const m of sdf.molecules) {
      expect(m.molecule.smiles.replace(/@/g, '')).toBe('CC(=O)Oc1ccccc1C(=O)O');
      expect(m.molecule.positions?.length).toBe(13 * 3);
      expect(m.props.checkpoint).toBe(ckpt);
    }
    const { stdout } = await cli('topology', ['--in', out, '--steps', '4', '--checkpoint', ckpt]);
    expect(stdout).toMatch(/record 1 .*input CC\(=O\)Oc1ccccc1C\(=O\)O/);
    expect(stdout).toMatch(/model: .*bond accuracy \d+\.\d%/);
    expect(stdout).toMatch(/baseline: .*bond accuracy/);
  });

  it('sample mirrors conformers whose stereocentre comes out inverted, unless --no-chirality-fix', async () => {
    const ckpt = await checkpointFile();
    const args = ['--smiles', 'C[C@H](N)C(=O)O', '-n', '6', '--steps', '5', '--seed', '2', '--checkpoint', ckpt];
    const [fixedPath, rawPath] = [join(dir, 'fixed.sdf'), join(dir, 'raw.sdf')];
    const { stderr } = await cli('sample', [...args, '--out', fixedPath]);
    expect(stderr).toMatch(/chirality fix: of 6 conformers with stereo, mirrored \d+/);
    await cli('sample', [...args, '--out', rawPath, '--no-chirality-fix']);
    const rd = await getRDKit();
    const [fixed, raw] = [fixedPath, rawPath].map((p) => readSdf(rd, readFileSync(p, 'utf8')).molecules);
    const input = readSmiles(rd, 'C[C@H](N)C(=O)O');
    let keptRaw = 0;
    let keptFixed = 0;
    fixed.forEach((f, g) => {
      const [x, y] = [f.molecule.positions!, raw[g].molecule.positions!];
      expect(raw[g].props.chirality_fix).toBe('off');
      // Same seed, same sampler: a fixed record is the raw one or its mirror image x -> -x, with at
      // most the stereocentre (atom 2) moved when it was inverted in place.
      expect(f.props.chirality_fix).toMatch(/^(mirrored|kept)(, inverted centre 2)?$/);
      const sign = f.props.chirality_fix.startsWith('mirrored') ? -1 : 1;
      const moved = f.props.chirality_fix.includes('inverted') ? 1 : -1;
      for (let i = 0; i < x.length; i++) if (Math.floor(i / 3) !== moved) expect(x[i]).toBeCloseTo(sign * y[i], 3);
      if (chiralityCheck(rd, input, y).ok) keptRaw++;
      if (chiralityCheck(rd, input, x).ok) keptFixed++;
      if (sign < 0 || moved >= 0) expect(chiralityCheck(rd, input, x).ok).toBe(true);
    });
    expect(keptFixed).toBeGreaterThanOrEqual(keptRaw);
  });

  it('eval --quick writes the results table (markdown and JSON) naming checkpoint, settings and date', async () => {
    const ckpt = await checkpointFile();
    const outDir = join(dir, 'eval');
    await cli('eval', ['--quick', '--data', 'app/data/fixtures/tiny.bin', '--steps', '4', '--checkpoint', ckpt, '--out-dir', outDir]);
    const md = readFileSync(join(outDir, 'results.md'), 'utf8');
    expect(md).toContain(ckpt);
    expect(md).toMatch(/date: \d{4}-\d\d-\d\d/);
    expect(md).toContain('PC, 4 steps');
    expect(md).toContain('chirality fix (mirror a conformer whose stereocentres come out inverted, then invert single wrong centres and turn wrong E/Z bonds; docs/method.md §2.8): on');
    expect(md).toContain('| exact-graph recovery |');
    const json = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(json.molecules).toBe(2);
    expect(json.settings.maxMolecules).toBe(8);
  });

  it('a usage error exits 2 naming the flag; a missing checkpoint exits 1 saying so', async () => {
    await expect(cli('sample', ['--smiles', 'CCO', '--out', join(dir, 'x.sdf'), '--steps', 'many'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/--steps needs an integer/) });
    await expect(cli('eval', ['--data', 'app/data/fixtures/tiny.bin', '--checkpoint', join(dir, 'missing.safetensors')])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/does not exist/) });
  });
});
