import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch, type Tolerance } from '../../src/conformance/compare.js';
import { computeSchedulerCase } from '../../src/conformance/schedulers.js';

interface SchedulerCase {
  name: string;
  lrs: number[];
  momentums?: number[];
}

const file = JSON.parse(
  readFileSync(new URL('../../../shared/conformance/schedulers.json', import.meta.url), 'utf8'),
) as { tolerance: Tolerance; cases: SchedulerCase[] };

describe('schedulers conformance (PyTorch 1.13)', () => {
  it('has all 28 cases', () => {
    expect(file.cases).toHaveLength(28);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { lrs, momentums, ...inputs } = c;
    const result = computeSchedulerCase(inputs);
    const expected = momentums === undefined ? { lrs } : { lrs, momentums };
    expect(mismatch(result, expected, file.tolerance)).toBeNull();
  });
});
