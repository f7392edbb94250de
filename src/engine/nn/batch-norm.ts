import { shapeToString, Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /** Running-average factor; null means a cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * `nn.BatchNorm1d(num_features)` over inputs (N, C) or (N, C, L). In training it normalises with
 * the batch statistics (biased variance) and updates `running_mean`/`running_var` (with the
 * unbiased variance) and `num_batches_tracked`; in eval it uses the running statistics.
 */
export class BatchNorm1d extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNormOptions = {},
  ) {
    super();
    this.eps = eps;
    this.momentum = momentum;
    this.trackRunningStats = trackRunningStats;
    const c = numFeatures;
    this.weight = this.registerParameter(
      'weight',
      affine ? new Tensor(new Float32Array(c).fill(1), [c]) : null,
    );
    this.bias = this.registerParameter('bias', affine ? new Tensor(new Float32Array(c), [c]) : null);
    this.registerBuffer('running_mean', trackRunningStats ? new Tensor(new Float32Array(c), [c]) : null);
    this.registerBuffer(
      'running_var',
      trackRunningStats ? new Tensor(new Float32Array(c).fill(1), [c]) : null,
    );
    // An integer counter in PyTorch; float32 holds it exactly up to 2^24 batches.
    this.registerBuffer(
      'num_batches_tracked',
      trackRunningStats ? new Tensor(new Float32Array(1), []) : null,
    );
  }

  forward(input: Tensor): Tensor {
    const c = this.numFeatures;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[1] !== c) {
      throw new RangeError(
        `BatchNorm1d: expected 2D or 3D input with ${c} channels (got ${shapeToString(input.shape)})`,
      );
    }
    const n = input.shape[0];
    const l = input.ndim === 3 ? input.shape[2] : 1;
    const count = n * l;
    const useBatchStats = this.training || !this.trackRunningStats;
    const runningMean = this.get('running_mean');
    const runningVar = this.get('running_var');
    const mean = new Float64Array(c);
    const variance = new Float64Array(c);
    if (useBatchStats) {
      if (this.training && count <= 1) {
        throw new RangeError(
          `Expected more than 1 value per channel when training, got input size ${shapeToString(input.shape)}`,
        );
      }
      forEachChannel(n, c, l, (ch, idx) => {
        mean[ch] += input.data[idx];
      });
      for (let ch = 0; ch < c; ch++) mean[ch] /= count;
      forEachChannel(n, c, l, (ch, idx) => {
        variance[ch] += (input.data[idx] - mean[ch]) ** 2;
      });
      for (let ch = 0; ch < c; ch++) variance[ch] /= count;
      if (this.training && this.trackRunningStats) this.updateRunningStats(mean, variance, count);
    } else {
      for (let ch = 0; ch < c; ch++) {
        mean[ch] = runningMean!.data[ch];
        variance[ch] = runningVar!.data[ch];
      }
    }
    return batchNorm(input, n, c, l, mean, variance, this.eps, this.weight, this.bias, useBatchStats);
  }

  private updateRunningStats(mean: Float64Array, variance: Float64Array, count: number): void {
    const tracked = this.get('num_batches_tracked')!;
    tracked.data[0] += 1;
    const factor = this.momentum ?? 1 / tracked.data[0];
    const rm = this.get('running_mean')!.data;
    const rv = this.get('running_var')!.data;
    for (let ch = 0; ch < mean.length; ch++) {
      rm[ch] = (1 - factor) * rm[ch] + factor * mean[ch];
      rv[ch] = (1 - factor) * rv[ch] + factor * variance[ch] * (count / (count - 1));
    }
  }
}

function forEachChannel(n: number, c: number, l: number, fn: (ch: number, idx: number) => void): void {
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * l;
      for (let k = 0; k < l; k++) fn(ch, base + k);
    }
  }
}

function batchNorm(
  x: Tensor,
  n: number,
  c: number,
  l: number,
  mean: Float64Array,
  variance: Float64Array,
  eps: number,
  weight: Tensor | null,
  bias: Tensor | null,
  batchStats: boolean,
): Tensor {
  const invstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const xhat = new Float32Array(x.size);
  const out = new Float32Array(x.size);
  forEachChannel(n, c, l, (ch, idx) => {
    const h = (x.data[idx] - mean[ch]) * invstd[ch];
    xhat[idx] = h;
    out[idx] = weight === null ? h : h * weight.data[ch] + bias!.data[ch];
  });
  const parents = weight === null ? [x] : [x, weight, bias!];
  return Tensor.fromOp(out, x.shape, parents, (grad) => {
    const count = n * l;
    const sumD = new Float64Array(c);
    const sumDX = new Float64Array(c);
    const gw = new Float64Array(c);
    const gb = new Float64Array(c);
    forEachChannel(n, c, l, (ch, idx) => {
      const d = grad[idx] * (weight === null ? 1 : weight.data[ch]);
      sumD[ch] += d;
      sumDX[ch] += d * xhat[idx];
      gw[ch] += grad[idx] * xhat[idx];
      gb[ch] += grad[idx];
    });
    const gx = new Float32Array(x.size);
    forEachChannel(n, c, l, (ch, idx) => {
      const d = grad[idx] * (weight === null ? 1 : weight.data[ch]);
      // With running statistics the mean and variance are constants, so the gradient is a scale.
      gx[idx] = batchStats
        ? (invstd[ch] / count) * (count * d - sumD[ch] - xhat[idx] * sumDX[ch])
        : d * invstd[ch];
    });
    return weight === null ? [gx] : [gx, Float32Array.from(gw), Float32Array.from(gb)];
  });
}
