/**
 * Feature standardisation: per-feature mean and standard deviation computed on the training
 * split only, stored with the model so predict applies the same transform.
 */
import { Tensor } from '../engine/tensor.js';

export interface Normalization {
  mean: number[];
  std: number[];
}

/** Per-feature statistics of a (N, F) tensor; a constant feature gets std 1 so it maps to 0. */
export function fitStandard(x: Tensor): Normalization {
  const [n, f] = [x.shape[0], x.size / Math.max(x.shape[0], 1)];
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += x.data[i * f + j];
  for (let j = 0; j < f; j++) mean[j] /= Math.max(n, 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) sq[j] += (x.data[i * f + j] - mean[j]) ** 2;
  const std = Array.from(sq, (s) => {
    const sd = Math.sqrt(s / Math.max(n, 1));
    return sd > 1e-12 ? sd : 1;
  });
  return { mean: Array.from(mean), std };
}

/** (x - mean) / std per feature, as a new tensor. */
export function applyNormalization(x: Tensor, norm: Normalization): Tensor {
  const f = norm.mean.length;
  if (x.size % f !== 0)
    throw new RangeError(`normalization has ${f} features but the input has shape [${x.shape.join(', ')}]`);
  const out = new Float32Array(x.size);
  for (let i = 0; i < x.size; i++) {
    const j = i % f;
    out[i] = (x.data[i] - norm.mean[j]) / norm.std[j];
  }
  return new Tensor(out, x.shape);
}
