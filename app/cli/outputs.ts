/**
 * Output files of the CLIs, written so that nothing the user has is lost:
 * - an output never replaces an input of the same command (same path, or the same file by a link);
 * - an existing file is refused unless --force;
 * - the folder must be writable, checked before any long work starts;
 * - writes are atomic (a temporary file in the same folder, then rename), and the temporary file
 *   is removed when the write fails, so a crash leaves the old file or the new one, never half.
 */
import { closeSync, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A refused output: the CLI prints the message and exits non-zero, with nothing written. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

export interface OutputCheck {
  /** The flag that named the output, for messages (e.g. '--out'). */
  flag: string;
  /** Files this command reads; the output may be none of them. */
  inputs?: readonly (string | null | undefined)[];
  /** Replace an existing file. */
  force?: boolean;
  /** Files the command itself rewrites on purpose (a resumed run's own checkpoint). */
  mayReplace?: boolean;
}

/**
 * Checks an output path before the work starts: not an input, not a folder, not an existing file
 * (unless force), and its folder exists or can be made and accepts a new file.
 */
export function checkOutput(path: string, o: OutputCheck): void {
  if (!path) throw new OutputError(`${o.flag} needs a file name`);
  for (const input of o.inputs ?? []) {
    if (input && sameFile(path, input)) throw new OutputError(`${o.flag} ${path} is also an input of this command (${input}); choose another output file`);
  }
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new OutputError(`${o.flag} ${path} is a folder; give a file name`);
    if (!o.force && !o.mayReplace) throw new OutputError(`${o.flag} ${path} already exists; pass --force to replace it, or choose another name`);
  }
  checkWritableFolder(dirname(path) || '.', o.flag);
}

/**
 * Proves a file can be created in `dir`, or, when it does not exist yet, in its nearest existing
 * ancestor (nothing is created here: the write makes the folders). The probe file is removed.
 */
export function checkWritableFolder(dir: string, flag: string): void {
  let d = resolve(dir);
  while (!existsSync(d)) {
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (!statSync(d).isDirectory()) throw new OutputError(`${flag}: ${d} is a file, so ${dir} cannot be a folder`);
  const probe = join(d, `.write-test-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    throw new OutputError(`${flag}: cannot write in ${d}: ${(e as Error).message}`);
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    /* the folder itself is gone or not a folder: there is no temporary file to remove */
  }
}

/** Writes `data` to `path` through a temporary file in the same folder and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path) || '.';
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data, { flag: 'wx' });
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw new OutputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Writes a checkpoint atomically and keeps the one it replaces as `<path>.prev`, so the previous
 * good state survives even if the new file turns out bad.
 */
export function writeCheckpointRotating(path: string, data: Uint8Array): void {
  const dir = dirname(path) || '.';
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data, { flag: 'wx' });
    if (existsSync(path)) renameSync(path, `${path}.prev`);
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw new OutputError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * A folder for a run's outputs that exists nowhere yet: `<base>/run-<yyyymmdd-hhmmss>` (with a
 * numeric suffix when two runs start in the same second). Used by eval so that the committed
 * results are never overwritten by accident.
 */
export function freshRunFolder(base: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  for (let k = 0; k < 1000; k++) {
    const dir = join(base, `run-${stamp}${k ? `-${k}` : ''}`);
    if (!existsSync(dir)) return dir;
  }
  throw new OutputError(`no free run folder under ${base}`);
}
