/** Shape checks shared by the losses: same-shape targets and broadcast weights. */
import { type Shape, shapeToString, type Tensor } from '../tensor.js';

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws unless `target` has the input's shape, naming the loss and both shapes. */
export function checkSameShape(name: string, input: Tensor, target: Tensor, what = 'target'): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(
      `${name}: ${what} shape ${shapeToString(target.shape)} does not match input shape ${shapeToString(input.shape)}`,
    );
  }
}

/**
 * Expands a weight-like tensor (`weight`, `pos_weight`) to `shape` by broadcasting, returning one
 * value per element of `shape` in row-major order. Its shape must broadcast to `shape` itself.
 */
export function expandTo(name: string, what: string, w: Tensor, shape: Shape): Float64Array {
  const rank = shape.length;
  const fits = w.ndim <= rank && w.shape.every((d, i) => d === 1 || d === shape[rank - w.ndim + i]);
  if (!fits) {
    throw new RangeError(
      `${name}: ${what} of shape ${shapeToString(w.shape)} cannot be broadcast to input shape ${shapeToString(shape)}`,
    );
  }
  // Strides of w in the input's frame, 0 along broadcast (missing or size-1) dimensions.
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = w.ndim - 1; i >= 0; i--) {
    if (w.shape[i] !== 1) strides[rank - w.ndim + i] = stride;
    stride *= w.shape[i];
  }
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Float64Array(n);
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    out[i] = w.data[offset];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      offset += strides[d];
      if (index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}
