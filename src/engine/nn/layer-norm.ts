import { numel, shapeToString, Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * `nn.LayerNorm(normalized_shape, eps, elementwise_affine)`: normalises over the trailing
 * dimensions given by `normalized_shape` with the biased variance, then applies weight and bias.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(
    normalizedShape: number | number[],
    readonly eps = 1e-5,
    elementwiseAffine = true,
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const m = numel(this.normalizedShape);
    this.weight = this.registerParameter(
      'weight',
      elementwiseAffine ? new Tensor(new Float32Array(m).fill(1), this.normalizedShape) : null,
    );
    this.bias = this.registerParameter(
      'bias',
      elementwiseAffine ? new Tensor(new Float32Array(m), this.normalizedShape) : null,
    );
  }

  forward(input: Tensor): Tensor {
    const ns = this.normalizedShape;
    const tail = input.shape.slice(input.ndim - ns.length);
    if (input.ndim < ns.length || tail.some((d, i) => d !== ns[i])) {
      throw new RangeError(
        `LayerNorm: expected input with shape [*, ${ns.join(', ')}], but got input of size ${shapeToString(input.shape)}`,
      );
    }
    return layerNorm(input, ns.length === 0 ? 1 : numel(ns), this.weight, this.bias, this.eps);
  }
}

/** Fused layer norm over contiguous groups of `m` elements. */
function layerNorm(x: Tensor, m: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const groups = x.size / m;
  const xhat = new Float32Array(x.size);
  const invstd = new Float64Array(groups);
  const out = new Float32Array(x.size);
  for (let g = 0; g < groups; g++) {
    const base = g * m;
    let mean = 0;
    for (let i = 0; i < m; i++) mean += x.data[base + i];
    mean /= m;
    let variance = 0;
    for (let i = 0; i < m; i++) variance += (x.data[base + i] - mean) ** 2;
    variance /= m;
    const r = 1 / Math.sqrt(variance + eps);
    invstd[g] = r;
    for (let i = 0; i < m; i++) {
      const h = (x.data[base + i] - mean) * r;
      xhat[base + i] = h;
      out[base + i] = weight === null ? h : h * weight.data[i] + bias!.data[i];
    }
  }
  const parents = weight === null ? [x] : [x, weight, bias!];
  return Tensor.fromOp(out, x.shape, parents, (grad) => {
    const gx = new Float32Array(x.size);
    const gw = weight === null ? null : new Float64Array(m);
    const gb = weight === null ? null : new Float64Array(m);
    for (let g = 0; g < groups; g++) {
      const base = g * m;
      let sumD = 0;
      let sumDX = 0;
      for (let i = 0; i < m; i++) {
        const d = grad[base + i] * (weight === null ? 1 : weight.data[i]);
        sumD += d;
        sumDX += d * xhat[base + i];
        if (gw !== null) {
          gw[i] += grad[base + i] * xhat[base + i];
          gb![i] += grad[base + i];
        }
      }
      for (let i = 0; i < m; i++) {
        const d = grad[base + i] * (weight === null ? 1 : weight.data[i]);
        gx[base + i] = (invstd[g] / m) * (m * d - sumD - xhat[base + i] * sumDX);
      }
    }
    return gw === null ? [gx] : [gx, Float32Array.from(gw), Float32Array.from(gb!)];
  });
}
