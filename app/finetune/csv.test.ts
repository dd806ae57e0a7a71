import { describe, expect, it } from 'vitest';
import { getRDKit } from '../chem/rdkit';
import { CsvError, detectDelimiter, parseCsv, toCsv } from './csv';
import { detectTask, parseLabel, readLabelledSet } from './table';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks inside', () => {
    const t = parseCsv('smiles,name,y\n"C(C)O","ethanol, ""abs""",1\n"CC\nO",x,0\n');
    expect(t.header).toEqual(['smiles', 'name', 'y']);
    expect(t.rows.map((r) => r.fields)).toEqual([['C(C)O', 'ethanol, "abs"', '1'], ['CC\nO', 'x', '0']]);
    // The record with a line break inside quotes starts on line 3 and the next would start on 5.
    expect(t.rows.map((r) => r.line)).toEqual([2, 3]);
  });

  it('strips a BOM, accepts CRLF and skips empty lines, keeping true line numbers', () => {
    const t = parseCsv('\ufeffsmiles,y\r\n\r\nCCO,1\r\n\r\n\r\nCCN,0\r\n');
    expect(t.header).toEqual(['smiles', 'y']);
    expect(t.rows).toEqual([{ line: 3, fields: ['CCO', '1'] }, { line: 6, fields: ['CCN', '0'] }]);
  });

  it('detects ; and tab delimiters from the header, ignoring ones inside quotes', () => {
    expect(detectDelimiter('a;b;c\n1,5;2;3')).toBe(';');
    expect(detectDelimiter('smiles\ty\nCCO\t1')).toBe('\t');
    expect(detectDelimiter('"a;b;c",d\n')).toBe(',');
    expect(parseCsv('smiles;y\nC(=O)O;1,5\n').rows[0].fields).toEqual(['C(=O)O', '1,5']);
    expect(parseCsv('smiles\ty\nCCO\t2\n').rows[0].fields).toEqual(['CCO', '2']);
  });

  it('names the line of an unterminated quote and of text after a closing quote', () => {
    expect(() => parseCsv('smiles,y\nCCO,1\n"CCN,0\n')).toThrow(/line 3: a quoted field is never closed/);
    expect(() => parseCsv('smiles,y\n"CC"O,1\n')).toThrow(/line 2: unexpected text after a closing quote/);
  });

  it('refuses an empty file and a header with an empty or repeated name', () => {
    expect(() => parseCsv('\n\n')).toThrow(CsvError);
    expect(() => parseCsv('smiles,,y\n')).toThrow(/column 2 has no name/);
    expect(() => parseCsv('y,smiles,y\n')).toThrow(/names column 'y' twice/);
  });

  it('writes what it reads back', () => {
    const rows = [['a,b', 'say "hi"', 'two\nlines'], ['plain', '1', '']];
    const t = parseCsv(toCsv(['x', 'y', 'z'], rows));
    expect(t.rows.map((r) => r.fields)).toEqual(rows);
  });
});

describe('labels and task detection', () => {
  it('parses numbers, booleans and empty = missing; refuses other text', () => {
    expect(parseLabel(' 1 ')).toBe(1);
    expect(parseLabel('-2.5e-1')).toBe(-0.25);
    expect(parseLabel('TRUE')).toBe(1);
    expect(parseLabel('false')).toBe(0);
    expect(parseLabel('')).toBeNaN();
    expect(() => parseLabel('active')).toThrow(/'active' is not a number/);
    expect(() => parseLabel('1.2.3')).toThrow(/not a number/);
  });

  it('calls 0/1 labels classification and anything else regression', () => {
    expect(detectTask([[0, NaN], [1, 1]])).toBe('classification');
    expect(detectTask([[0], [1], [0.5]])).toBe('regression');
    expect(detectTask([[2], [3]])).toBe('regression');
  });
});

describe('readLabelledSet', () => {
  const csv = [
    'id;smiles;tox;sol',
    '1;CCO;1;-0.5',
    '2;c1ccccc1O;0;',
    '3;not_a_smiles;1;2',
    '4;CCN;maybe;1',
    '5;CCC;;',
    '6;CC(=O)O;0;0.25;extra',
    '7;;1;1',
    '8;"C1CC1";true;3',
  ].join('\r\n');

  it('keeps good rows and lists every dropped row with its line and reason', async () => {
    const rd = await getRDKit();
    const set = readLabelledSet(rd, parseCsv(csv), { smilesColumn: 'smiles', labelColumns: ['tox', 'sol'] }, { task: 'regression' });
    expect(set.molecules.map((m) => m.smiles)).toEqual(['CCO', 'c1ccccc1O', 'C1CC1']);
    expect(set.molecules.map((m) => m.line)).toEqual([2, 3, 9]);
    expect(Array.from(set.molecules[1].labels)).toEqual([0, NaN]);
    expect(set.errors.map((e) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(set.errors[0].reason).toMatch(/line 4: SMILES 'not_a_smiles'/);
    expect(set.errors[1].reason).toMatch(/line 5: label 'tox': 'maybe' is not a number/);
    expect(set.errors[2].reason).toMatch(/line 6: no label/);
    expect(set.errors[3].reason).toMatch(/line 7: 5 fields, the header has 4/);
    expect(set.errors[4].reason).toMatch(/line 8: empty SMILES/);
    expect(set.summary).toMatchObject({ rows: 8, kept: 3, dropped: 5 });
    expect(set.summary.tasks[1]).toMatchObject({ column: 'sol', labelled: 2, missing: 1 });
    expect(set.detectedTask).toBe('regression');
  });

  it('detects classification, and refuses a column with one class only', async () => {
    const rd = await getRDKit();
    const good = readLabelledSet(rd, parseCsv('smiles,a\nCCO,1\nCCN,0\nCCC,\n'), { smilesColumn: 'smiles', labelColumns: ['a'] });
    expect(good.task).toBe('classification');
    // With one label column an empty label leaves the row nothing to learn from: it is dropped.
    expect(good.summary.tasks[0]).toMatchObject({ positives: 1, negatives: 1, missing: 0 });
    expect(good.errors.map((e) => e.reason)).toEqual(['line 4: no label (every label column is empty)']);
    expect(() => readLabelledSet(rd, parseCsv('smiles,a\nCCO,1\nCCN,1\n'), { smilesColumn: 'smiles', labelColumns: ['a'] }))
      .toThrow(/'a' has one class only \(2 positives, 0 negatives\)/);
  });

  it('refuses non-0/1 labels when classification is forced, and unknown columns by name', async () => {
    const rd = await getRDKit();
    const t = parseCsv('smiles,y\nCCO,0.5\nCCN,1\n');
    expect(() => readLabelledSet(rd, t, { smilesColumn: 'smiles', labelColumns: ['y'] }, { task: 'classification' })).toThrow(/line 2: label 'y' is 0.5; classification needs 0\/1/);
    expect(() => readLabelledSet(rd, t, { smilesColumn: 'SMILES', labelColumns: ['y'] })).toThrow(/no SMILES column 'SMILES'; the header has 'smiles', 'y'/);
  });

  it('reads a split column and drops rows whose part is not train, valid or test', async () => {
    const rd = await getRDKit();
    const set = readLabelledSet(rd, parseCsv('smiles,y,split\nCCO,1.5,train\nCCN,2,TEST\nCCC,3,holdout\n'), { smilesColumn: 'smiles', labelColumns: ['y'], splitColumn: 'split' });
    expect(set.molecules.map((m) => m.part)).toEqual(['train', 'test']);
    expect(set.errors[0].reason).toMatch(/line 4: split 'holdout'/);
  });
});
