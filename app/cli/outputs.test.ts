/**
 * Issue 12: CLI outputs never replace an input, refuse existing files without --force, are checked
 * before work starts, and are written atomically with the temporary file removed on failure.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError, checkOutput, freshRunFolder, writeCheckpointRotating, writeFileAtomic } from './outputs';

const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI outputs', () => {
  it('an output that is an input (also through a symlink) or an existing file is refused; --force allows the latter', () => {
    const input = join(dir, 'in.safetensors');
    writeFileSync(input, 'weights');
    const link = join(dir, 'link.safetensors');
    symlinkSync(input, link);
    expect(() => checkOutput(input, { flag: '--out', inputs: [input] })).toThrow(/also an input/);
    expect(() => checkOutput(link, { flag: '--out', inputs: [input], force: true })).toThrow(/also an input/);
    expect(() => checkOutput(input, { flag: '--out' })).toThrow(/already exists; pass --force/);
    expect(() => checkOutput(input, { flag: '--out', force: true })).not.toThrow();
    expect(() => checkOutput(dir, { flag: '--out', force: true })).toThrow(/is a folder/);
    expect(() => checkOutput(join(input, 'x.sdf'), { flag: '--out' })).toThrow(OutputError);
    expect(() => checkOutput(join(dir, 'new', 'deeper', 'x.sdf'), { flag: '--out' })).not.toThrow();
  });

  it('an atomic write that fails leaves no temporary file and the old content', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => writeFileAtomic(join(file, 'out.sdf'), 'data')).toThrow(OutputError);
    const target = join(dir, 'kept.sdf');
    writeFileSync(target, 'old');
    writeFileAtomic(target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a rotating checkpoint write keeps the replaced file as .prev', () => {
    const ck = join(dir, 'run.safetensors');
    writeCheckpointRotating(ck, new Uint8Array([1]));
    writeCheckpointRotating(ck, new Uint8Array([2]));
    expect([...readFileSync(ck)]).toEqual([2]);
    expect([...readFileSync(`${ck}.prev`)]).toEqual([1]);
  });

  it('eval run folders are new each time (a taken name gets a suffix)', () => {
    const a = freshRunFolder(dir, new Date('2026-01-02T03:04:05Z'));
    expect(a).toMatch(/run-20260102-030405$/);
    writeFileAtomic(join(a, 'results.md'), 'x');
    expect(freshRunFolder(dir, new Date('2026-01-02T03:04:05Z'))).toMatch(/run-20260102-030405-1$/);
  });
});
