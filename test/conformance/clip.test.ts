import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeClipCase } from '../../src/conformance/clip.js';
import { mismatch, type Tolerance } from '../../src/conformance/compare.js';

interface ClipCase {
  name: string;
  clipped: unknown;
  total_norm?: number;
}

const file = JSON.parse(
  readFileSync(new URL('../../../shared/conformance/clip.json', import.meta.url), 'utf8'),
) as { tolerance: Tolerance; cases: ClipCase[] };

describe('clip conformance (PyTorch 1.13)', () => {
  it('has all 12 cases', () => {
    expect(file.cases).toHaveLength(12);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { clipped, total_norm, ...inputs } = c;
    const result = computeClipCase(inputs);
    const expected = total_norm === undefined ? { clipped } : { clipped, total_norm };
    expect(mismatch(result, expected, file.tolerance)).toBeNull();
  });
});
