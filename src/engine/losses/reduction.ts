/**
 * `reduction`, in one place (PyTorch's `_Loss` base): a loss computes its unreduced values in
 * doubles, then `reduceLoss` turns them into the output tensor ('none' keeps them, 'sum' adds
 * them, 'mean' divides the sum by a divisor, by default their count) and hands the backward
 * closure the gradient of the output with respect to each unreduced value.
 */
import { SpecError } from '../errors.js';
import { gradBuffer, gradScratch64, savedBuffer64 } from '../grad-buffer.js';
import { type Shape, Tensor } from '../tensor.js';

export const REDUCTIONS = ['none', 'mean', 'sum'] as const;
export type Reduction = (typeof REDUCTIONS)[number];

export interface ReductionOptions {
  /** 'none' | 'mean' | 'sum'; PyTorch's default is 'mean'. */
  reduction?: Reduction;
}

/** PyTorch's wording: `foo is not a valid value for reduction`. */
export function invalidReductionMessage(value: unknown): string {
  return `${String(value)} is not a valid value for reduction`;
}

export function checkReduction<R extends string>(
  value: unknown,
  allowed: readonly R[] = REDUCTIONS as unknown as readonly R[],
): R {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SpecError([{ path: ['reduction'], message: invalidReductionMessage(value) }]);
  }
  return value as R;
}

export interface ReduceOptions {
  /** What 'mean' divides by (the number of values by default). */
  divisor?: number;
  /** `savedBuffer64`s the loss made (`values` may be one), given back once `backward` cannot run. */
  saved?: readonly Float64Array[] | null;
}

/**
 * Builds a loss's output from its unreduced values (laid out in `shape`). `backward` receives
 * d(output)/d(value_i), already scaled by the upstream gradient, and returns the parents' grads.
 */
export function reduceLoss(
  values: Float64Array,
  shape: Shape,
  reduction: Reduction,
  parents: readonly Tensor[],
  backward: (dValues: Float64Array) => (Float32Array | null)[],
  { divisor = values.length, saved = null }: ReduceOptions = {},
): Tensor {
  const n = values.length;
  let out: Float32Array;
  let outShape: Shape;
  if (reduction === 'none') {
    out = Float32Array.from(values);
    outShape = shape;
  } else {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i];
    out = new Float32Array([reduction === 'sum' ? total : total / divisor]);
    outShape = [];
  }
  return Tensor.fromOp(out, outShape, parents, (g) => backward(upstream(g, n, reduction, divisor)), saved);
}

/** The gradient of the reduced output with respect to each of `n` unreduced values. */
function upstream(g: Float32Array, n: number, reduction: Reduction, divisor = n): Float64Array {
  if (reduction === 'none') return Float64Array.from(g);
  const scale = reduction === 'sum' ? g[0] : g[0] / divisor;
  return gradScratch64(n).fill(scale);
}

/** Float32 gradient of an input from per-element local derivatives times the upstream gradient. */
function scaleInto(dValues: Float64Array, local: Float64Array): Float32Array {
  const g = gradBuffer(local.length);
  for (let i = 0; i < local.length; i++) g[i] = dValues[i] * local[i];
  return g;
}

/**
 * A loss computed element by element over the input's shape: `compute` fills each element's
 * value and its derivative with respect to the input element.
 */
export function elementwiseLoss(
  input: Tensor,
  reduction: Reduction,
  compute: (values: Float64Array, dInput: Float64Array) => void,
): Tensor {
  const values = savedBuffer64(input.size);
  const dInput = savedBuffer64(input.size);
  compute(values, dInput);
  return reduceLoss(values, input.shape, reduction, [input], (dv) => [scaleInto(dv, dInput)], {
    saved: [values, dInput],
  });
}
