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
/** The module `shared` resolved to (so a trap can drop it synchronously). */
let loaded: RDKit | null = null;

/**
 * Modules that trapped (a WebAssembly RuntimeError such as "memory access out of bounds"). A trap
 * can leave the module's memory corrupt, so it is never used again: the next getRDKit() loads a
 * fresh instance, and a caller still holding the old one gets a ChemError telling it so.
 */
const retired = new WeakSet<object>();
const restartListeners = new Set<(message: string) => void>();

/** Called with a user-facing message whenever a trapped module is discarded (the tab shows it). */
export function onRDKitRestart(listener: (message: string) => void): () => void {
  restartListeners.add(listener);
  return () => restartListeners.delete(listener);
}

export function isRetired(rd: RDKit): boolean {
  return retired.has(rd as object);
}

function isTrap(e: unknown): boolean {
  return (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || (e instanceof Error && e.name === 'RuntimeError');
}

/** Discards a module after a trap; the next getRDKit() instantiates a new one. */
export function retireRDKit(rd: RDKit, cause: string): ChemError {
  retired.add(rd as object);
  if (loaded === rd) {
    shared = null;
    loaded = null;
  }
  const message = `RDKit crashed on this input (${cause}); the chemistry module was discarded and a fresh one is loaded for the next molecule. Nothing else was lost.`;
  for (const l of restartListeners) l(message);
  return new ChemError(message);
}

/**
 * Runs `fn` against `rd`; a WebAssembly trap retires the module and becomes a ChemError (any other
 * error passes through). Every call into RDKit with user input goes through here or parseMol.
 */
export function guardRDKit<T>(rd: RDKit, fn: () => T): T {
  if (retired.has(rd as object)) throw new ChemError('this RDKit module crashed earlier and was discarded; get a fresh one with getRDKit()');
  try {
    return fn();
  } catch (e) {
    if (isTrap(e)) throw retireRDKit(rd, e instanceof Error ? e.message : String(e));
    // A C++ exception that RDKit did not catch (e.g. a range check on a malformed V3000 block)
    // unwinds cleanly, so the module stays usable; the input is what is wrong.
    if (typeof WebAssembly !== 'undefined' && 'Exception' in WebAssembly && e instanceof (WebAssembly as unknown as { Exception: new () => object }).Exception) {
      throw new ChemError('RDKit failed on this input with an internal error (a malformed record it does not check)');
    }
    throw e;
  }
}

/**
 * Limits checked on the text before RDKit sees it: RDKit's wasm build traps (overflows its stack)
 * on long chains (~900 atoms), so SMILES longer than this or with more heavy atoms than the caller
 * allows are refused with a message instead of parsed.
 */
export const MAX_SMILES_LENGTH = 600;
export const MAX_PARSER_HEAVY_ATOMS = 200;

/** Upper bound on the heavy atoms a SMILES names: bracket atoms other than hydrogen, and organic-subset atoms. */
export function countSmilesHeavyAtoms(smiles: string): number {
  let count = 0;
  for (const m of smiles.matchAll(/\[([^\]]*)\]|Cl|Br|[BCNOPSFI]|[bcnops]/g)) {
    if (m[1] !== undefined) {
      // [2H], [H+], [H-]: hydrogens; anything else in brackets is a heavy atom.
      if (!/^\d*H(?![a-z])/.test(m[1])) count++;
    } else {
      count++;
    }
  }
  return count;
}

export function checkSmilesText(smiles: string, maxHeavyAtoms = MAX_PARSER_HEAVY_ATOMS): void {
  if (smiles.length > MAX_SMILES_LENGTH) {
    throw new ChemError(`invalid SMILES: ${smiles.length} characters, more than the ${MAX_SMILES_LENGTH} the lab reads`);
  }
  const atoms = countSmilesHeavyAtoms(smiles);
  if (atoms > maxHeavyAtoms) {
    throw new ChemError(`invalid SMILES: about ${atoms} heavy atoms, more than the ${maxHeavyAtoms} allowed here`);
  }
}

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
  loaded = rd;
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
  return guardRDKit(rd, () => {
    const log = rd.set_log_capture('rdApp.*');
    let mol: RDMol | null = null;
    let reason = '';
    try {
      mol = rd.get_mol(input, JSON.stringify(details));
      if (log) reason = cleanLog(log.get_buffer());
    } finally {
      // After a trap, tidying the log may trap again; the first trap is the one reported.
      if (log) {
        try {
          log.clear_buffer();
          log.delete();
        } catch {
          /* the trap is reported by guardRDKit */
        }
      }
    }
    if (!mol || !mol.is_valid()) {
      mol?.delete();
      throw new ChemError(`invalid ${what}: ${reason || 'RDKit could not parse it'}`);
    }
    return mol;
  });
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
    return guardRDKit(rd, () => fn(mol));
  } finally {
    if (!retired.has(rd as object)) mol.delete();
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
