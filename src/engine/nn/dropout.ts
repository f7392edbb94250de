import { gradBuffer, outputBuffer, savedBuffer64 } from '../grad-buffer.js';
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

/**
 * `nn.Dropout2d(p)`: in training, zeroes whole channels, each (sample, channel) with probability p,
 * and scales the kept ones by 1/(1-p); in eval, the identity. Images are (N, C, H, W). As in
 * PyTorch 1.13 (`feature_dropout`), any input of rank 2 or more is taken as (N, C, *): a 3-D input
 * is (N, C, L) with channel-wise dropout over L, and a 2-D one drops single values. One draw of the
 * model's seeded generator per (sample, channel), in that order.
 */
export class Dropout2d extends Module {
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
    if (input.ndim < 2) throw new RangeError('Feature dropout requires at least 2 dimensions in the input');
    return featureDropout(input, this.p, this.generator);
  }
}

function featureDropout(input: Tensor, p: number, generator: Generator): Tensor {
  const channels = input.shape[0] * input.shape[1];
  const inner = channels === 0 ? 0 : input.size / channels;
  // PyTorch's mask holds 1/(1-p) as a float32, and x·m of two float32s rounds as PyTorch's product does.
  const scale = p === 1 ? 0 : Math.fround(1 / Math.fround(1 - p));
  const mask = savedBuffer64(channels);
  for (let k = 0; k < channels; k++) mask[k] = generator.random() < p ? 0 : scale;
  const x = input.data;
  const out = outputBuffer(input.size);
  for (let k = 0, at = 0; k < channels; k++) {
    const m = mask[k];
    const end = at + inner;
    for (; at < end; at++) out[at] = x[at] * m;
  }
  return Tensor.fromOp(
    out,
    input.shape,
    [input],
    (g) => {
      const gi = gradBuffer(input.size);
      for (let k = 0, at = 0; k < channels; k++) {
        const m = mask[k];
        const end = at + inner;
        for (; at < end; at++) gi[at] = g[at] * m;
      }
      return [gi];
    },
    [mask],
  );
}
