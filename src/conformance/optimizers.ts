/**
 * Runs one case of the optimizers conformance file (see /work/shared/conformance/README.md):
 * builds the optimizer over the named parameters, feeds it the gradient sequence (null = the
 * parameter's grad is None that step) and records the parameters after every step. The expected
 * values are never read, so this also works on a case whose `expected` was removed.
 */
import { z } from 'zod';
import { buildOptimizer } from '../engine/optim/registry.js';
import { parseWith } from '../engine/spec-parse.js';
import { type NestedArray, type Tensor, tensor } from '../engine/tensor.js';

const nested = z.custom<NestedArray>((v) => typeof v === 'number' || Array.isArray(v), 'expected a tensor');

const optimizerCaseSchema = z.object({
  optimizer: z.unknown(),
  param_groups: z.unknown().optional(),
  params: z.record(z.string(), nested),
  grads: z.array(z.record(z.string(), nested.nullable())),
});

export interface OptimizerCaseResult {
  /** The parameters after each step, by name. */
  expected: Record<string, NestedArray>[];
}

export function computeOptimizerCase(caseJson: unknown): OptimizerCaseResult {
  const c = parseWith(optimizerCaseSchema, caseJson);
  const named: [string, Tensor][] = Object.entries(c.params).map(([name, value]) => [
    name,
    tensor(value, { requiresGrad: true }),
  ]);
  const optimizer = buildOptimizer(c.optimizer, named, c.param_groups);
  const expected = c.grads.map((grads) => {
    for (const [name, p] of named) {
      const g = grads[name] ?? null;
      p.grad = g === null ? null : tensor(g, { shape: p.shape });
    }
    optimizer.step();
    return Object.fromEntries(named.map(([name, p]) => [name, p.toArray()]));
  });
  return { expected };
}
