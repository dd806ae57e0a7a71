/**
 * Molecules in and out: SMILES, molblock / SDF (V2000 and V3000 in, V2000 out) and XYZ.
 * Every failure is a ChemError naming the reason (RDKit's own message where it gives one) and, for
 * files, the record and line. Multi-record files return the good records and a list of the bad
 * ones: nothing crashes and nothing is silently dropped.
 */
import { DEFAULT_LIMITS, moleculeFromRDKitMol, type ChemMolecule, type MoleculeLimits } from './molecule';
import { toMolblock } from './molfile';
import { ChemError, MAX_PARSER_HEAVY_ATOMS, checkSmilesText, guardRDKit, isRetired, parseMol, type RDKit } from './rdkit';

/** A SMILES string to the molecule model (atom order as written). */
export function readSmiles(rd: RDKit, smiles: string, limits: MoleculeLimits = DEFAULT_LIMITS): ChemMolecule {
  const s = checkSmilesInput(smiles, limits.maxHeavyAtoms);
  const mol = parseMol(rd, s, {}, 'SMILES');
  try {
    return guardRDKit(rd, () => moleculeFromRDKitMol(mol, limits, `SMILES ${s}`));
  } finally {
    if (!isRetired(rd)) mol.delete();
  }
}

/**
 * The checks a SMILES passes before RDKit sees it; returns it without surrounding ASCII spaces.
 * RDKit would take text after a space as the molecule's name ("c1ccccc1 CCO" is benzene) and
 * would trap on very long chains, so both are refused here, as are characters outside printable
 * ASCII (a SMILES has none; a pasted non-breaking space or dash would otherwise vanish silently).
 */
export function checkSmilesInput(smiles: string, maxHeavyAtoms = MAX_PARSER_HEAVY_ATOMS): string {
  const s = smiles.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (s.length === 0) throw new ChemError('invalid SMILES: empty input');
  if (/[\r\n]/.test(s)) throw new ChemError('invalid SMILES: more than one line (read files with readSdf / readSmilesFile)');
  const bad = /[^\x21-\x7e]/.exec(s);
  if (bad) {
    const c = bad[0];
    const what = /\s/.test(c) ? 'whitespace' : `the character '${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
    throw new ChemError(`invalid SMILES: ${what} at position ${bad.index + 1}; a SMILES is one word of printable ASCII (give a name separately)`);
  }
  checkSmilesText(s, Math.min(maxHeavyAtoms, MAX_PARSER_HEAVY_ATOMS));
  return s;
}

export interface SmilesEntry {
  /** 1-based line number. */
  line: number;
  molecule: ChemMolecule;
}

/**
 * A .smi file: one "SMILES [name]" per line; blank lines and lines starting with # are skipped.
 * Bad lines are reported with their line number and reason, good ones returned.
 */
export function readSmilesFile(rd: RDKit, text: string, limits: MoleculeLimits = DEFAULT_LIMITS): { molecules: SmilesEntry[]; errors: FileError[] } {
  const molecules: SmilesEntry[] = [];
  const errors: FileError[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return;
    const [smi, ...rest] = l.split(/\s+/);
    try {
      const molecule = readSmiles(rd, smi, limits);
      if (rest.length) molecule.name = rest.join(' ');
      molecules.push({ line: k + 1, molecule });
    } catch (e) {
      errors.push({ record: molecules.length + errors.length + 1, line: k + 1, reason: `line ${k + 1}: ${(e as Error).message}` });
    }
  });
  return { molecules, errors };
}

/** One molblock (V2000 or V3000); explicit hydrogens are removed (heavy-atom model). */
export function readMolblock(rd: RDKit, molblock: string, limits: MoleculeLimits = DEFAULT_LIMITS, what = 'molblock'): ChemMolecule {
  const lines = molblock.split(/\r?\n/);
  const structural = checkMolblockStructure(lines, 0);
  if (structural) throw new ChemError(`invalid ${what}: ${structural}`);
  const mol = parseMol(rd, molblock, { removeHs: true }, what);
  try {
    return guardRDKit(rd, () => moleculeFromRDKitMol(mol, limits, what, (lines[1] ?? '').slice(20, 22) === '3D'));
  } finally {
    if (!isRetired(rd)) mol.delete();
  }
}

/**
 * What the editor and the worker commands carry: a SMILES, or a molblock (recognised by its
 * "M  END" line). One reader for both so sampling, inspection and profiling agree on the rule.
 */
export function readSmilesOrMolblock(rd: RDKit, text: string, limits: MoleculeLimits = DEFAULT_LIMITS): ChemMolecule {
  return /^M {2}END/m.test(text) ? readMolblock(rd, text, limits, 'molecule') : readSmiles(rd, text, limits);
}

export interface SdfEntry {
  /** 1-based record number in the file. */
  record: number;
  /** 1-based line where the record starts. */
  line: number;
  molecule: ChemMolecule;
  /** Data items (`> <TAG>` blocks). */
  props: Record<string, string>;
}

export interface FileError {
  record: number;
  line: number;
  reason: string;
}

export interface SdfResult {
  molecules: SdfEntry[];
  errors: FileError[];
}

/**
 * Structural check of a molblock before RDKit sees it, so that a truncated record is reported with
 * the file line where it goes wrong. `first` = 0-based file line of the record's first line.
 * Returns null when the structure is sound.
 */
function checkMolblockStructure(lines: string[], first: number): string | null {
  const at = (k: number) => `line ${first + k + 1}`;
  const countsLine = lines[3];
  if (countsLine === undefined) return `record ends before the counts line (${at(Math.min(lines.length, 3))})`;
  const end = lines.findIndex((l) => l.startsWith('M  END'));
  if (/V3000/.test(countsLine)) {
    if (end < 0) return `no "M  END" line: the record is truncated after ${at(lines.length - 1)}`;
    // The same bound as V2000's three-digit counts, checked before RDKit allocates anything.
    const k = lines.findIndex((l) => /^M {2}V30 COUNTS /.test(l));
    if (k >= 0) {
      const [na, nb] = lines[k].slice(14).trim().split(/\s+/).map(Number);
      if (!(Number.isInteger(na) && Number.isInteger(nb) && na >= 0 && nb >= 0 && na <= 999 && nb <= 999)) {
        return `bad V3000 COUNTS line (${at(k)}): "${lines[k].trim()}" (at most 999 atoms and bonds)`;
      }
    }
    return null;
  }
  const nAtoms = Number.parseInt(countsLine.slice(0, 3), 10);
  const nBonds = Number.parseInt(countsLine.slice(3, 6), 10);
  if (!Number.isFinite(nAtoms) || !Number.isFinite(nBonds) || nAtoms < 0 || nBonds < 0) {
    return `bad counts line (${at(3)}): "${countsLine.trim()}"`;
  }
  for (let k = 0; k < nAtoms; k++) {
    const l = lines[4 + k];
    if (l === undefined || l.startsWith('M  END')) return `expected ${nAtoms} atom lines, found ${k}: truncated at ${at(4 + k)}`;
    const xyz = [l.slice(0, 10), l.slice(10, 20), l.slice(20, 30)].map((s) => Number(s.trim() === '' ? Number.NaN : s));
    if (xyz.some((v) => !Number.isFinite(v)) || l.length < 34) return `bad atom line (${at(4 + k)}): "${l.trim()}"`;
  }
  for (let k = 0; k < nBonds; k++) {
    const l = lines[4 + nAtoms + k];
    if (l === undefined || l.startsWith('M  END')) return `expected ${nBonds} bond lines, found ${k}: truncated at ${at(4 + nAtoms + k)}`;
    const a = Number.parseInt(l.slice(0, 3), 10);
    const b = Number.parseInt(l.slice(3, 6), 10);
    if (!(a >= 1 && a <= nAtoms && b >= 1 && b <= nAtoms)) return `bad bond line (${at(4 + nAtoms + k)}): "${l.trim()}"`;
  }
  if (end < 0) return `no "M  END" line: the record is truncated after ${at(lines.length - 1)}`;
  return null;
}

function parseDataItems(lines: string[]): Record<string, string> {
  const props: Record<string, string> = {};
  for (let k = 0; k < lines.length; k++) {
    const m = /^>.*<([^>]+)>/.exec(lines[k]);
    if (!m) continue;
    const value: string[] = [];
    for (k = k + 1; k < lines.length && lines[k].trim() !== ''; k++) value.push(lines[k]);
    props[m[1]] = value.join('\n');
  }
  return props;
}

/** Split an SDF into records on `$$$$` lines, keeping each record's first file line. */
function splitRecords(text: string): { lines: string[]; first: number }[] {
  const all = text.split(/\r?\n/);
  const records: { lines: string[]; first: number }[] = [];
  let start = 0;
  for (let k = 0; k <= all.length; k++) {
    if (k === all.length || all[k].trim() === '$$$$') {
      const lines = all.slice(start, k);
      // A trailing fragment of blank lines after the last $$$$ is not a record.
      if (k < all.length || lines.some((l) => l.trim() !== '')) records.push({ lines, first: start });
      start = k + 1;
    }
  }
  return records;
}

/** A multi-record SDF (V2000 and V3000 records may be mixed). */
export function readSdf(rd: RDKit, text: string, limits: MoleculeLimits = DEFAULT_LIMITS): SdfResult {
  const result: SdfResult = { molecules: [], errors: [] };
  splitRecords(text).forEach(({ lines, first }, r) => {
    const record = r + 1;
    const line = first + 1;
    const fail = (reason: string) => result.errors.push({ record, line, reason: `record ${record} (line ${line}): ${reason}` });
    const structural = checkMolblockStructure(lines, first);
    if (structural) return fail(structural);
    const end = lines.findIndex((l) => l.startsWith('M  END'));
    const molblock = lines.slice(0, end + 1).join('\n');
    try {
      const molecule = readMolblock(rd, molblock, limits, `record ${record}`);
      const props = parseDataItems(lines.slice(end + 1));
      if (!molecule.name && props.name) molecule.name = props.name;
      result.molecules.push({ record, line, molecule, props });
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  });
  if (result.molecules.length === 0 && result.errors.length === 0) {
    result.errors.push({ record: 0, line: 1, reason: 'the SDF holds no records' });
  }
  return result;
}

/** Canonical isomeric SMILES. With 3D positions, stereo comes from the geometry; without, from the model's own SMILES. */
export function writeSmiles(rd: RDKit, mol: ChemMolecule): string {
  if (!mol.positions) return mol.smiles;
  const m = parseMol(rd, toMolblock(mol), { removeHs: true }, 'molecule');
  try {
    return m.get_smiles();
  } finally {
    m.delete();
  }
}

/** An SDF of V2000 records with 3D coordinates, bonds and data items. */
/**
 * Adds data items to the records of an SDF (record i gets props(i)), before each record's "$$$$",
 * keeping every other line as it was written. Throws when a value would break the format.
 */
export function addSdfProps(sdf: string, props: (i: number) => Record<string, string>): string {
  const records = sdf.split(/^\$\$\$\$\r?\n?/m);
  const last = records.pop();
  if (last !== undefined && last.trim() !== '') throw new ChemError('addSdfProps: the SDF does not end with $$$$');
  return records
    .map((rec, i) => {
      let block = rec;
      for (const [k, v] of Object.entries(props(i))) {
        if (/[\r\n]/.test(v) || /[<>\r\n]/.test(k)) throw new ChemError(`addSdfProps: data item ${k} must be one line without < or > in its name`);
        block += `> <${k}>\n${v}\n\n`;
      }
      return block + '$$$$\n';
    })
    .join('');
}

export function writeSdf(entries: readonly { molecule: ChemMolecule; positions?: Float32Array; props?: Record<string, string> }[]): string {
  return entries
    .map(({ molecule, positions, props }, i) => {
      const pos = positions ?? molecule.positions;
      if (!pos) throw new ChemError(`writeSdf: record ${i + 1} (${molecule.smiles}) has no 3D positions`);
      let block = toMolblock(molecule, pos);
      for (const [k, v] of Object.entries(props ?? {})) block += `> <${k}>\n${v}\n\n`;
      return block + '$$$$\n';
    })
    .join('');
}
