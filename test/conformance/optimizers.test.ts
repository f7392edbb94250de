import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch, type Tolerance } from '../../src/conformance/compare.js';
import { computeOptimizerCase } from '../../src/conformance/optimizers.js';

interface OptimizerCase {
  name: string;
  expected: unknown[];
  [key: string]: unknown;
}

const file = JSON.parse(
  readFileSync(new URL('../../../shared/conformance/optimizers.json', import.meta.url), 'utf8'),
) as { tolerance: Tolerance; cases: OptimizerCase[] };

describe('optimizers conformance (PyTorch 1.13)', () => {
  it('has every case', () => {
    expect(file.cases.length).toBe(45);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // The expected values are withheld from the computation.
    const { expected, ...inputs } = c;
    const actual = computeOptimizerCase(inputs);
    expect(mismatch(actual, { expected }, file.tolerance)).toBeNull();
  });
});
