import { describe, expect, it } from 'vitest';
import { gradBuffer, gradScratch64 } from '../../src/engine/grad-buffer.js';

describe('gradient buffers', () => {
  it('are zero-filled, disjoint and of the requested length, pooled or not', () => {
    const sizes = [1, 3, 17, 1000, 4096, 4097, 70_000, 5];
    const buffers = sizes.map((n) => gradBuffer(n));
    buffers.forEach((b, i) => {
      expect(b).toBeInstanceOf(Float32Array);
      expect(b.length).toBe(sizes[i]);
      expect(b.every((v) => v === 0)).toBe(true);
      b.fill(i + 1);
    });
    // Writing each one did not touch any other.
    buffers.forEach((b, i) => {
      expect(b.every((v) => v === i + 1)).toBe(true);
    });
    const d = gradScratch64(9);
    expect(d).toBeInstanceOf(Float64Array);
    expect(d.length).toBe(9);
    expect(d.every((v) => v === 0)).toBe(true);
  });

  it('never hands out the same memory twice, across slabs', () => {
    // 400 × 16 KB spans many 256 KB slabs; each buffer is fresh zeros even after others were written.
    for (let i = 0; i < 400; i++) {
      const b = gradBuffer(4096);
      expect(b[0]).toBe(0);
      expect(b[4095]).toBe(0);
      b.fill(1);
    }
  });
});
