/**
 * A weighted sum of losses: `{"type": "Sum", "terms": [{"weight": 0.7, "loss": {...}}, ...]}`,
 * whose forward is Σ weightᵢ · lossᵢ(input, target). Any loss spec may be a term, Sum and Custom
 * included, so the schema is a factory over the loss union (pass a `z.lazy` for nesting) and the
 * builder takes the function that builds an inner loss.
 */
import { z } from 'zod';
import { SpecError } from '../errors.js';
import { add, mul } from '../ops/elementwise.js';
import { scalar, shapeToString, type Tensor } from '../tensor.js';

export const MAX_SUM_TERMS = 16;
/** Sums nested in Sums, at most this deep: deep JSON must not recurse the validator off the stack. */
export const MAX_SUM_DEPTH = 8;

/** How deeply `value` nests Sum specs (stopping just past the limit). */
function sumDepth(value: unknown): number {
  let depth = 0;
  let level: unknown[] = [value];
  const seen = new Set<unknown>(); // specs built in code may share sub-objects
  while (level.length > 0 && depth <= MAX_SUM_DEPTH) {
    const next: unknown[] = [];
    for (const spec of level) {
      const terms = (spec as { terms?: unknown } | null)?.terms;
      if (typeof spec !== 'object' || !Array.isArray(terms) || seen.has(spec)) continue;
      seen.add(spec);
      for (const term of terms.slice(0, MAX_SUM_TERMS + 1))
        next.push((term as { loss?: unknown } | null)?.loss);
    }
    if (next.length === 0) break;
    depth++;
    level = next;
  }
  return depth;
}

/**
 * The Sum spec's schema, over `lossSpec` (the whole loss union, Sum included, e.g. via z.lazy).
 * A plain strict object discriminated by `type`, so it fits the registry's discriminated union.
 * Each term's loss is measured before it is parsed: a too-deep nest is refused at the outermost
 * Sum, before the validator recurses into it.
 */
export function sumLossSpecSchema<T extends z.ZodType>(lossSpec: T) {
  const loss = z.preprocess((value, ctx) => {
    if (sumDepth(value) >= MAX_SUM_DEPTH) {
      ctx.addIssue({
        code: 'custom',
        message: `Sum losses may nest at most ${MAX_SUM_DEPTH} deep`,
        input: value,
      });
    }
    return value;
  }, lossSpec);
  const term = z.strictObject({
    weight: z.number().describe('The weight of this loss in the sum.'),
    loss,
  });
  return z.strictObject({
    type: z.literal('Sum'),
    terms: z.array(term).min(1).max(MAX_SUM_TERMS).describe('The weighted losses to add up.'),
  });
}

export interface SumLossSpec<S = unknown> {
  type: 'Sum';
  terms: readonly { weight: number; loss: S }[];
}

/** The minimal shape of a built loss that a Sum can hold. */
export interface ForwardLoss {
  forward(input: Tensor, target: Tensor, variance?: Tensor): Tensor;
}

export interface SumLoss<L extends ForwardLoss = ForwardLoss> extends ForwardLoss {
  readonly type: 'Sum';
  readonly terms: readonly { weight: number; loss: L }[];
}

/**
 * Builds each term with `buildInner` (its SpecErrors re-rooted under `terms[i].loss`) and returns
 * the weighted sum. `variance` is passed on to every term (for GaussianNLLLoss).
 */
export function buildSumLoss<S, L extends ForwardLoss>(
  spec: SumLossSpec<S>,
  buildInner: (spec: S) => L,
): SumLoss<L> {
  const terms = spec.terms.map((term, i) => {
    try {
      return { weight: term.weight, loss: buildInner(term.loss) };
    } catch (error) {
      if (error instanceof SpecError) throw error.under('terms', i, 'loss');
      throw error;
    }
  });
  return {
    type: 'Sum',
    terms,
    forward(input, target, variance) {
      let total: Tensor = scalar(0);
      terms.forEach(({ weight, loss }, i) => {
        const value = loss.forward(input, target, variance);
        if (value.ndim !== 0) {
          throw new SpecError([
            {
              path: ['terms', i, 'loss'],
              message: `the loss must reduce to a single value; got shape ${shapeToString(value.shape)} (use reduction 'mean' or 'sum')`,
            },
          ]);
        }
        total = add(total, mul(value, weight));
      });
      return total;
    },
  };
}
