/**
 * The service's own helper layers for following a recurrent layer in a sequential stack (PyTorch
 * writes these as expressions in `forward`, not as modules):
 *   `Select(dim, index)` is `x.select(dim, index)`, e.g. dim 1, index -1 is `x[:, -1]` (last step);
 *   `Mean(dim, keepdim)` is `x.mean(dim, keepdim)` (mean over the steps).
 */

import { gradBuffer, outputBuffer } from '../grad-buffer.js';
import { mean, normalizeDim, splitAt } from '../ops/reduce.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** `x.select(dim, index)`: drops `dim`, keeping entry `index` (negative counts from the end). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim(dim, x.ndim, 'select');
  const size = x.shape[d];
  if (index < -size || index >= size)
    throw new RangeError(
      `select(): index ${index} out of range for tensor of size [${x.shape.join(', ')}] at dimension ${d}`,
    );
  const at = index < 0 ? size + index : index;
  const [outer, , inner] = splitAt(x.shape, d);
  const out = outputBuffer(outer * inner);
  for (let o = 0; o < outer; o++)
    out.set(x.data.subarray((o * size + at) * inner, (o * size + at + 1) * inner), o * inner);
  const shape = x.shape.filter((_, i) => i !== d);
  return Tensor.fromOp(out, shape, [x], (g) => {
    const gx = gradBuffer(x.size);
    for (let o = 0; o < outer; o++) gx.set(g.subarray(o * inner, (o + 1) * inner), (o * size + at) * inner);
    return [gx];
  });
}

export class Select extends Module {
  constructor(
    readonly dim: number,
    readonly index: number,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return select(input, this.dim, this.index);
  }
}

export class Mean extends Module {
  constructor(
    readonly dim: number,
    readonly keepdim = false,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return mean(input, this.dim, this.keepdim);
  }
}
