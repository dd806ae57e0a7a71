/**
 * Issue 12: a data set whose positions are finite but absurd (x1e18, a unit mix-up or corruption
 * that survives the checksum) must be refused with the row, not trained on.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DatasetError, MAX_DATASET_COORDINATE, parseDataset } from './dataset';
import { HEADER_BYTES, crc32, layoutOf } from './format';

const tiny = () => new Uint8Array(readFileSync(new URL('./fixtures/tiny.bin', import.meta.url)));

describe('data-set coordinates', () => {
  it('positions scaled by 1e18 (checksum repaired) are refused naming the row; the original loads', () => {
    const bytes = tiny();
    const ok = parseDataset(bytes, 'tiny.bin');
    const layout = layoutOf(ok.header);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const at = layout.positions.offset;
    view.setFloat32(at, view.getFloat32(at, true) * 1e18 + 1e18, true);
    view.setUint32(56, crc32(bytes.subarray(HEADER_BYTES)), true);
    expect(() => parseDataset(bytes, 'scaled.bin')).toThrow(DatasetError);
    expect(() => parseDataset(bytes, 'scaled.bin')).toThrow(new RegExp(`positions row 0 holds .*beyond ${MAX_DATASET_COORDINATE}`));
  });
});
