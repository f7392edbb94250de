import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * `nn.Dropout(p)`: in training, zeroes each element with probability p and scales the rest by
 * 1/(1-p); in eval, the identity. Masks come from the model's seeded generator.
 */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    private readonly generator: Generator = defaultGenerator,
  ) {
    super();
    if (!(p >= 0 && p <= 1))
      throw new RangeError(`dropout probability has to be between 0 and 1, but got ${p}`);
  }

  forward(input: Tensor): Tensor {
    if (!this.training || this.p === 0) return input;
    const n = input.size;
    const mask = new Float32Array(n);
    const scale = this.p === 1 ? 0 : 1 / (1 - this.p);
    for (let i = 0; i < n; i++) mask[i] = this.generator.random() < this.p ? 0 : scale;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = input.data[i] * mask[i];
    return Tensor.fromOp(out, input.shape, [input], (g) => {
      const gi = new Float32Array(n);
      for (let i = 0; i < n; i++) gi[i] = g[i] * mask[i];
      return [gi];
    });
  }
}
