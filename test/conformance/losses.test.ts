import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mismatch, type Tolerance } from '../../src/conformance/compare.js';
import { computeLossCase, type LossCaseInput } from '../../src/conformance/losses.js';

interface LossCase extends LossCaseInput {
  name: string;
  output: unknown;
  grad_input: unknown;
  grad_var?: unknown;
}

const file = JSON.parse(
  readFileSync(new URL('../../../shared/conformance/losses.json', import.meta.url), 'utf8'),
) as { tolerance: Tolerance; cases: LossCase[] };

/** The case without its expected fields, so the runner provably cannot read them. */
function stripped(c: LossCase): LossCaseInput {
  const { output: _o, grad_input: _gi, grad_var: _gv, ...inputs } = c;
  return inputs;
}

describe('losses.json conformance (PyTorch 1.13)', () => {
  it('has all 75 cases', () => {
    expect(file.cases).toHaveLength(75);
  });

  it.each(file.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const actual = computeLossCase(stripped(c));
    const expected: Record<string, unknown> = { output: c.output, grad_input: c.grad_input };
    if (c.grad_var !== undefined) expected.grad_var = c.grad_var;
    expect(mismatch(actual, expected, file.tolerance)).toBeNull();
  });
});
