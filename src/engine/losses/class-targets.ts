/**
 * Shapes and targets shared by CrossEntropyLoss and NLLLoss. The input is (C), (N, C) or
 * (N, C, d1, …, dk) with the classes along dim 1 (dim 0 when unbatched); it is viewed as
 * (outer, C, inner), and each of the outer·inner positions has one target.
 */
import { SpecError } from '../errors.js';
import { type Shape, shapeToString, type Tensor } from '../tensor.js';
import { sameShape } from './shapes.js';

export interface ClassLayout {
  outer: number;
  classes: number;
  inner: number;
  /** The input's shape without the class dimension: the shape of class-index targets and of 'none'. */
  positionShape: number[];
  /** True when the target holds class probabilities (it has the input's shape). */
  probabilities: boolean;
}

function classDim(inputShape: Shape): number {
  return inputShape.length === 1 ? 0 : 1;
}

function withoutClassDim(inputShape: Shape): number[] {
  const dim = classDim(inputShape);
  return inputShape.filter((_, i) => i !== dim);
}

/**
 * PyTorch's rule for CrossEntropyLoss: class indices have the input's shape without the class
 * dimension; a target of the input's own shape holds class probabilities.
 */
export function hasClassIndexTargets(inputShape: Shape, targetShape: Shape): boolean {
  return sameShape(withoutClassDim(inputShape), targetShape);
}

export function classLayout(
  name: string,
  input: Tensor,
  target: Tensor,
  allowProbabilities: boolean,
): ClassLayout {
  if (input.ndim === 0)
    throw new RangeError(`${name}: input must have at least 1 dimension, got a 0-d tensor`);
  const dim = classDim(input.shape);
  const positionShape = withoutClassDim(input.shape);
  const probabilities = allowProbabilities && sameShape(input.shape, target.shape);
  if (!probabilities && !sameShape(positionShape, target.shape)) {
    const expected = allowProbabilities
      ? `${shapeToString(positionShape)} (class indices) or ${shapeToString(input.shape)} (class probabilities)`
      : `${shapeToString(positionShape)} (class indices)`;
    throw new RangeError(
      `${name}: input of shape ${shapeToString(input.shape)} needs a target of shape ${expected}, got ${shapeToString(target.shape)}`,
    );
  }
  let outer = 1;
  for (let i = 0; i < dim; i++) outer *= input.shape[i];
  let inner = 1;
  for (let i = dim + 1; i < input.ndim; i++) inner *= input.shape[i];
  return { outer, classes: input.shape[dim], inner, positionShape, probabilities };
}

/** A validated class index, or -1 when it equals `ignoreIndex`. */
export function classIndex(name: string, value: number, classes: number, ignoreIndex: number): number {
  if (value === ignoreIndex) return -1;
  if (!Number.isInteger(value))
    throw new RangeError(`${name}: target ${value} is not an integer class index`);
  if (value < 0 || value >= classes) {
    throw new RangeError(`${name}: target ${value} is out of bounds for ${classes} classes`);
  }
  return value;
}

/** Ones, shared and never written: past 8 classes a fresh array would cost a backing store per call. */
let ones = new Float64Array(0);
function unitWeights(classes: number): Float64Array {
  if (ones.length < classes) ones = new Float64Array(classes).fill(1);
  return ones.subarray(0, classes);
}

/** The per-class weights as doubles (all ones without a weight), checked against C. */
export function classWeights(name: string, weight: Tensor | null | undefined, classes: number): Float64Array {
  if (weight === null || weight === undefined) return unitWeights(classes);
  if (weight.ndim !== 1 || weight.size !== classes) {
    throw new RangeError(
      `${name}: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${shapeToString(weight.shape)}`,
    );
  }
  return Float64Array.from(weight.data);
}

export function checkIgnoreIndex(ignoreIndex: number): void {
  if (!Number.isInteger(ignoreIndex)) {
    throw new SpecError([
      { path: ['ignore_index'], message: `ignore_index must be an integer, got ${ignoreIndex}` },
    ]);
  }
}
