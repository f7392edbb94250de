import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IdxFormatError, parseIdx } from '../../src/datasets/idx.js';

/** An IDX file written by hand: header bytes, then big-endian values. */
function idx(type: number, shape: number[], body: number[]): Uint8Array {
  const header = [0, 0, type, shape.length];
  for (const d of shape) header.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return Uint8Array.from([...header, ...body]);
}

describe('parseIdx', () => {
  it('reads a uint8 image file, plain or gzipped', () => {
    const file = idx(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    for (const bytes of [file, new Uint8Array(gzipSync(file))]) {
      const a = parseIdx(bytes);
      expect(a.shape).toEqual([2, 2, 3]);
      expect(a.dtype).toBe('uint8');
      expect(Array.from(a.values)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    }
  });

  it('reads big-endian int32 and float32 values', () => {
    // 258 = 0x00000102; -2 = 0xfffffffe; 1.5f = 0x3fc00000
    expect(Array.from(parseIdx(idx(0x0c, [2], [0, 0, 1, 2, 255, 255, 255, 254])).values)).toEqual([258, -2]);
    expect(Array.from(parseIdx(idx(0x0d, [1], [0x3f, 0xc0, 0, 0])).values)).toEqual([1.5]);
  });

  it('refuses a file that is not IDX or whose length does not match its header', () => {
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4]))).toThrow(IdxFormatError);
    expect(() => parseIdx(idx(0x08, [2, 2], [1, 2, 3]))).toThrow(/needs 16 bytes but the file has 15/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0]))).toThrow(/declares 3 dimensions/);
  });

  const labels = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz';
  it.skipIf(!existsSync(labels))(
    "reads Debian's Fashion-MNIST test labels: 10,000 of 10 balanced classes",
    () => {
      const a = parseIdx(readFileSync(labels));
      expect(a.shape).toEqual([10000]);
      const counts = new Array(10).fill(0);
      for (const v of a.values) counts[v]++;
      expect(counts).toEqual(new Array(10).fill(1000));
    },
  );
});
