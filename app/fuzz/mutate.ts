/**
 * Seeded mutators for the fuzz harness (fuzz.test.ts): every case is a pure function of (seed,
 * case index), so a failure names the case and reproduces exactly. Text mutations work on
 * characters, tokens and whole lines; byte mutations flip, splice and overwrite, with the
 * interesting values (0, 0xff, lengths near the limits) over-represented.
 */
import { mulberry32 } from '../../kernels/random';

export type Rng = () => number;

export function rngFor(seed: number, caseIndex: number): Rng {
  return mulberry32((Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(caseIndex + 1, 0x9e3779b9)) >>> 0);
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Pieces a mutated text may gain: syntax of the formats, numbers at the edges, odd characters. */
const TEXT_PIECES = [
  'C', 'c', 'N', 'n', 'O', 'Cl', 'Br', '[', ']', '(', ')', '=', '#', '$', '/', '\\', '@', '@@', '+', '-', '%10', '1', '2', '9', '0',
  '[Na+]', '[nH]', '[2H]', '[C@H]', '[*]', '*', '.', ':', '~', ' ', '\t', '\n', '\r\n', '\u00a0', '\u2013', '\u00e9', '\u0000', '\ud83d\ude00',
  '-1e39', '1e39', 'NaN', 'Infinity', '0x1', '999', '-999', '1e-40', '99999.9999', '-0', '4294967296', '2147483648',
  'M  END', '$$$$', 'V2000', 'V3000', 'M  V30 ', 'COUNTS', 'BEGIN ATOM', 'END ATOM', 'M  CHG', '  1', '> <name>',
];

/** One random edit of `text`. */
export function mutateText(rng: Rng, text: string): string {
  const at = int(rng, text.length + 1);
  switch (int(rng, 9)) {
    case 0: return text.slice(0, at) + pick(rng, TEXT_PIECES) + text.slice(at);
    case 1: return text.slice(0, at) + text.slice(at + 1 + int(rng, 4));
    case 2: return text.slice(0, at) + pick(rng, TEXT_PIECES) + text.slice(at + 1);
    case 3: { // duplicate a span (deep nesting, long chains)
      const len = 1 + int(rng, 12);
      const span = text.slice(at, at + len);
      return text.slice(0, at) + span.repeat(1 + int(rng, 60)) + text.slice(at);
    }
    case 4: { // swap two lines
      const lines = text.split('\n');
      const i = int(rng, lines.length), j = int(rng, lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 5: { // drop or duplicate a line
      const lines = text.split('\n');
      const i = int(rng, lines.length);
      if (rng() < 0.5) lines.splice(i, 1);
      else lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 6: { // replace a number by an edge value
      const nums = [...text.matchAll(/-?\d+(\.\d+)?/g)];
      if (nums.length === 0) return text + pick(rng, TEXT_PIECES);
      const m = pick(rng, nums);
      return text.slice(0, m.index) + pick(rng, ['0', '-1', '999', '1000', '1e39', 'NaN', '0x1', '65536', '-99999.9999', '1e5', '3.5']) + text.slice(m.index! + m[0].length);
    }
    case 7: return text.slice(0, at); // truncate
    default: { // a random printable or arbitrary code unit
      const c = rng() < 0.8 ? String.fromCharCode(32 + int(rng, 95)) : String.fromCharCode(int(rng, 0x10000));
      return text.slice(0, at) + c + text.slice(at);
    }
  }
}

export function mutateTextTimes(rng: Rng, text: string, maxEdits = 4): string {
  let t = text;
  const edits = 1 + int(rng, maxEdits);
  for (let k = 0; k < edits; k++) t = mutateText(rng, t);
  return t;
}

/** One random edit of `bytes` (a copy), restricted to [from, to) when given. */
export function mutateBytes(rng: Rng, bytes: Uint8Array, from = 0, to = bytes.length): Uint8Array {
  const out = Uint8Array.from(bytes);
  const span = Math.max(1, to - from);
  const at = from + int(rng, span);
  switch (int(rng, 6)) {
    case 0: out[at] ^= 1 << int(rng, 8); return out;
    case 1: out[at] = pick(rng, [0, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x30, 0x39]); return out;
    case 2: { // overwrite 4 bytes with an interesting u32
      const v = pick(rng, [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 1000, 65535, 1 << 24]);
      new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), v, true);
      return out;
    }
    case 3: return out.subarray(0, at); // truncate
    case 4: { // splice in random bytes
      const extra = Uint8Array.from({ length: 1 + int(rng, 16) }, () => int(rng, 256));
      const joined = new Uint8Array(out.length + extra.length);
      joined.set(out.subarray(0, at));
      joined.set(extra, at);
      joined.set(out.subarray(at), at + extra.length);
      return joined;
    }
    default: { // drop bytes
      const n = 1 + int(rng, 16);
      const joined = new Uint8Array(Math.max(0, out.length - n));
      joined.set(out.subarray(0, at));
      joined.set(out.subarray(Math.min(out.length, at + n)), at);
      return joined;
    }
  }
}
