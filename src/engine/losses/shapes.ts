/** Shape checks shared by the losses: same-shape targets and broadcast weights. */
import { broadcastOffsets, broadcastStrides, sameShape } from '../ops/broadcast.js';
import { type Shape, shapeToString, type Tensor } from '../tensor.js';

export { sameShape };

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
  const offsets = broadcastOffsets(shape, broadcastStrides(w.shape, shape));
  return Float64Array.from(offsets, (o) => w.data[o]);
}
