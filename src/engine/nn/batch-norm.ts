import { batchNorm } from '../ops/batch-norm.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /** Running-average factor; null means a cumulative moving average (PyTorch's momentum=None). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * PyTorch's `_BatchNorm`: the parameters, the buffers and the forward that BatchNorm1d and
 * BatchNorm2d share; they differ only in the input ranks they accept. In training it normalises
 * with the batch statistics (biased variance) and updates `running_mean`/`running_var` (with the
 * unbiased variance) and `num_batches_tracked`; in eval it uses the running statistics, or the
 * batch's when `track_running_stats` is false.
 */
export abstract class BatchNormBase extends Module {
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
    // An integer counter in PyTorch (int64, and I64 in safetensors); float32 holds it exactly up to 2^24 batches.
    this.registerBuffer(
      'num_batches_tracked',
      trackRunningStats ? new Tensor(new Float32Array(1), []) : null,
    );
  }

  /** Throws PyTorch's message for an input rank this class does not take. */
  protected abstract checkInputDim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInputDim(input);
    const c = this.numFeatures;
    if (input.shape[1] !== c) {
      throw new RangeError(
        `${this.constructor.name}: expected input with ${c} channels, got ${input.shape[1]} (input shape [${input.shape.join(', ')}])`,
      );
    }
    const track = this.trackRunningStats;
    // PyTorch's message. PyTorch also refuses a lone value in eval without running statistics; here
    // it normalises to the bias, so predicting one row of such a model is not an error.
    if (this.training && input.size / c <= 1) {
      throw new RangeError(
        `Expected more than 1 value per channel when training, got input size [${input.shape.join(', ')}]`,
      );
    }
    let factor = this.momentum ?? 0;
    if (this.training && track) {
      const tracked = this.get('num_batches_tracked')!;
      tracked.data[0] += 1;
      factor = this.momentum ?? 1 / tracked.data[0];
    }
    // Running statistics are read in eval and updated in training; without them (track false) the
    // batch statistics are used in both modes.
    return batchNorm(input, {
      runningMean: track ? this.get('running_mean') : null,
      runningVar: track ? this.get('running_var') : null,
      weight: this.weight,
      bias: this.bias,
      training: this.training || !track,
      momentum: factor,
      eps: this.eps,
    });
  }
}

/** `nn.BatchNorm1d(num_features)` over inputs (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new RangeError(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/** `nn.BatchNorm2d(num_features)` over images (N, C, H, W), with statistics per channel. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (got ${input.ndim}D input)`);
  }
}
