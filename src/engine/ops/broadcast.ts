/**
 * NumPy/PyTorch broadcasting: shapes align from the right, and a dimension of 1 (or a missing
 * one) stretches to match. `broadcastPlan` computes the output shape and, for each input, the
 * strides that map an output position to the input's offset (0 along broadcast dimensions).
 */
import { numel, type Shape, sameShape, shapeToString } from '../tensor.js';

export { sameShape };

export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${shapeToString(a)} and ${shapeToString(b)} cannot be broadcast together`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` laid out in an `outShape`-ranked frame, 0 where it broadcasts. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = outShape.length - shape.length + i;
    strides[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

/**
 * For each element of `outShape` in row-major order, the offset into a tensor laid out with
 * `strides`. Materialised once per op so inner loops stay simple.
 */
export function broadcastOffsets(outShape: Shape, strides: readonly number[]): Int32Array {
  const total = numel(outShape);
  const offsets = new Int32Array(total);
  const rank = outShape.length;
  if (rank === 0) return offsets;
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < total; i++) {
    offsets[i] = offset;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      offset += strides[d];
      if (index[d] < outShape[d]) break;
      offset -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return offsets;
}

/** Sums a gradient of the broadcast output back down to an input's shape. */
export function reduceToShape(grad: Float32Array, outShape: Shape, shape: Shape): Float32Array {
  if (sameShape(outShape, shape)) return grad;
  const out = new Float32Array(numel(shape));
  const offsets = broadcastOffsets(outShape, broadcastStrides(shape, outShape));
  // Accumulate in doubles: many output elements can fold into one input element.
  const acc = new Float64Array(out.length);
  for (let i = 0; i < grad.length; i++) acc[offsets[i]] += grad[i];
  out.set(acc);
  return out;
}
