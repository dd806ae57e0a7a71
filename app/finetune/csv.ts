/**
 * An RFC 4180 CSV reader for downstream data: quoted fields (with "" for a quote, delimiters and
 * line breaks inside quotes), CRLF or LF line ends, a leading UTF-8 BOM, empty lines skipped, and
 * the delimiter (comma, semicolon or tab) detected from the header line when not given.
 *
 * Structural damage that makes the rest of the file unreadable (an unterminated quote, text after a
 * closing quote) is a CsvError naming the line; a row with the wrong number of fields is returned
 * as is, and the caller reports it per row (table.ts), so one bad row never loses the others.
 */

export class CsvError extends Error {
  override name = 'CsvError';
}

export type Delimiter = ',' | ';' | '\t';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

export interface CsvRow {
  /** 1-based line on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export interface CsvTable {
  delimiter: Delimiter;
  header: string[];
  /** Data records, empty lines left out. */
  rows: CsvRow[];
}

/** Counts each candidate outside quotes on the first non-empty line; the most frequent wins (ties: , then ; then tab). */
export function detectDelimiter(text: string): Delimiter {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  let seenContent = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && (c === '\n' || c === '\r')) {
      if (seenContent) break;
    } else if (!inQuotes && counts.has(c as Delimiter)) counts.set(c as Delimiter, counts.get(c as Delimiter)! + 1);
    if (c !== '\n' && c !== '\r') seenContent = true;
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Parses the whole text. The first non-empty record is the header; header names are trimmed and
 * must be non-empty and distinct (a clear error otherwise: columns are picked by name).
 */
export function parseCsv(text: string, options: { delimiter?: Delimiter } = {}): CsvTable {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = options.delimiter ?? detectDelimiter(src);
  if (!DELIMITERS.includes(delimiter)) throw new CsvError(`CSV: delimiter ${JSON.stringify(delimiter)} is not one of , ; or tab`);
  const records: CsvRow[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let quotedField = false;
    let ended = false;
    while (!ended) {
      if (i >= n) {
        fields.push(field);
        break;
      }
      const c = src[i];
      if (c === '"' && field === '' && !quotedField) {
        // A quoted field: read up to the closing quote ("" is a literal quote).
        const open = line;
        quotedField = true;
        i++;
        for (;;) {
          if (i >= n) throw new CsvError(`CSV: line ${open}: a quoted field is never closed (missing ")`);
          const q = src[i];
          if (q === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (q === '\n') line++;
          else if (q === '\r' && src[i + 1] !== '\n') line++;
          field += q;
          i++;
        }
        const next = src[i];
        if (i < n && next !== delimiter && next !== '\n' && next !== '\r') {
          throw new CsvError(`CSV: line ${line}: unexpected text after a closing quote (a quote inside a quoted field must be doubled: "")`);
        }
        continue;
      }
      if (c === delimiter) {
        fields.push(field);
        field = '';
        quotedField = false;
        i++;
      } else if (c === '\n' || c === '\r') {
        fields.push(field);
        i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
        line++;
        ended = true;
      } else {
        // A stray quote inside an unquoted field is kept as a literal character (as most readers do).
        field += c;
        i++;
      }
    }
    const empty = fields.length === 1 && fields[0].trim() === '' && !quotedField;
    if (!empty) records.push({ line: startLine, fields });
  }
  if (records.length === 0) throw new CsvError('CSV: the file is empty (no header row)');
  const [head, ...rows] = records;
  const header = head.fields.map((h) => h.trim());
  header.forEach((h, k) => {
    if (h === '') throw new CsvError(`CSV: line ${head.line}: header column ${k + 1} has no name`);
    const first = header.indexOf(h);
    if (first !== k) throw new CsvError(`CSV: line ${head.line}: header names column '${h}' twice (columns ${first + 1} and ${k + 1})`);
  });
  return { delimiter, header, rows };
}

/** One CSV field, quoted when it holds a delimiter, a quote or a line break. */
export function csvField(value: string | number, delimiter: Delimiter = ','): string {
  const s = String(value);
  return /["\r\n]/.test(s) || s.includes(delimiter) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text (LF line ends, header first). */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number)[])[], delimiter: Delimiter = ','): string {
  return [header, ...rows].map((r) => r.map((v) => csvField(v, delimiter)).join(delimiter)).join('\n') + '\n';
}
