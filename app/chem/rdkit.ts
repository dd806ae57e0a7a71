/**
 * Lazy, cached loading of rdkit-js (RDKit MinimalLib compiled to wasm) in Node and in the
 * browser, plus try/finally helpers so that every embind `Mol` is `.delete()`d.
 *
 * - Node (vitest, CLI): the emscripten glue is CommonJS and finds `RDKit_minimal.wasm` next to
 *   itself in node_modules (its `__dirname`), so nothing needs locating.
 * - Browser / worker: the .wasm is a static asset; Vite's `?url` import gives its served URL and
 *   `locateFile` hands that URL to the glue. The `?url` import is dynamic and only taken in the
 *   browser branch, so Node never has to resolve a Vite-only specifier.
 */
import initRDKitModule from '@rdkit/rdkit';
import type { MainModule, Mol } from '@rdkit/rdkit';

export type RDKit = MainModule;
export type RDMol = Mol;

/** A chemistry error whose message names the problem (the parser's reason, record, line). */
export class ChemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChemError';
  }
}

let shared: Promise<RDKit> | null = null;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

async function load(): Promise<RDKit> {
  let rd: RDKit;
  if (isNode()) {
    rd = await initRDKitModule();
  } else {
    const { default: wasmUrl } = await import('@rdkit/rdkit/RDKit_minimal.wasm?url');
    rd = await initRDKitModule({ locateFile: () => wasmUrl });
  }
  // The data set is featurised by Python RDKit 2022.09, whose stereo perception is the legacy
  // one; pin it (MinimalLib's default today) so chirality tags and bond stereo agree with it.
  rd.use_legacy_stereo_perception(true);
  return rd;
}

/** The RDKit module, loaded once; concurrent callers share one promise. A failed load can be retried. */
export function getRDKit(): Promise<RDKit> {
  if (!shared) {
    shared = load().catch((e: unknown) => {
      shared = null;
      throw new ChemError(`could not load rdkit-js: ${e instanceof Error ? e.message : String(e)}`);
    });
  }
  return shared;
}

/**
 * Parse `input` (SMILES or molblock) with RDKit; returns the Mol or throws a ChemError with
 * RDKit's own reason (captured from its log) when it gives one. The caller owns the Mol.
 */
export function parseMol(rd: RDKit, input: string, details: Record<string, unknown> = {}, what = 'input'): RDMol {
  const log = rd.set_log_capture('rdApp.*');
  let mol: RDMol | null = null;
  let reason = '';
  try {
    mol = rd.get_mol(input, JSON.stringify(details));
    if (log) reason = cleanLog(log.get_buffer());
  } finally {
    if (log) {
      log.clear_buffer();
      log.delete();
    }
  }
  if (!mol || !mol.is_valid()) {
    mol?.delete();
    throw new ChemError(`invalid ${what}: ${reason || 'RDKit could not parse it'}`);
  }
  return mol;
}

/** RDKit log lines carry a "[hh:mm:ss] " prefix and repeat the input; keep the reasons. */
function cleanLog(buffer: string): string {
  const lines = buffer
    .split('\n')
    .map((l) => l.replace(/^\[\d\d:\d\d:\d\d\]\s*/, '').trim())
    .filter((l) => l.length > 0 && !/^\^$/.test(l));
  return [...new Set(lines)].join('; ');
}

/** Run `fn` on a freshly parsed Mol and always delete it. */
export function withMol<T>(rd: RDKit, input: string, details: Record<string, unknown>, fn: (mol: RDMol) => T, what = 'input'): T {
  const mol = parseMol(rd, input, details, what);
  try {
    return fn(mol);
  } finally {
    mol.delete();
  }
}

/** Delete an owned Mol after `fn`, whatever happens. */
export function using<T>(mol: RDMol, fn: (mol: RDMol) => T): T {
  try {
    return fn(mol);
  } finally {
    mol.delete();
  }
}
