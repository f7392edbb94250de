/**
 * PyTorch's pooling modules (`nn.MaxPool1d/2d`, `nn.AvgPool1d/2d`, `nn.AdaptiveAvgPool1d/2d`,
 * `nn.AdaptiveMaxPool2d`) over batched input. A 1-d pool runs as the 2-d op over a height of 1.
 */
import {
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  avgPool2d,
  maxPool2d,
  type Pool2dOptions,
} from '../ops/pool.js';
import { reshape } from '../ops/shape.js';
import { shapeToString, type Tensor } from '../tensor.js';
import { Module } from './module.js';

/** One int for every dim, or one per dim. */
export type PoolArg = number | readonly number[];

export interface MaxPoolOptions {
  /** Default (null): the kernel size. */
  stride?: PoolArg | null;
  padding?: PoolArg;
  dilation?: PoolArg;
  ceilMode?: boolean;
}

export interface AvgPoolOptions {
  stride?: PoolArg | null;
  padding?: PoolArg;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  /** AvgPool2d only. */
  divisorOverride?: number | null;
}

/** `value` as `dims` ints ([h, w] or [l]). */
export function poolPerDim(value: PoolArg, dims: number): number[] {
  return typeof value === 'number' ? Array(dims).fill(value) : [...value];
}

/** The 2-d geometry of a pool with `dims` spatial dims; a 1-d pool gets a height-1 kernel. */
function geometry(kernelSize: PoolArg, options: MaxPoolOptions, dims: number): Pool2dOptions {
  const kernel = poolPerDim(kernelSize, dims);
  const stride = poolPerDim(options.stride ?? kernel, dims);
  const padding = poolPerDim(options.padding ?? 0, dims);
  const dilation = poolPerDim(options.dilation ?? 1, dims);
  const two = (v: number[], one: number): [number, number] => (dims === 1 ? [one, v[0]] : [v[0], v[1]]);
  return {
    kernel: two(kernel, 1),
    stride: two(stride, 1),
    padding: two(padding, 0),
    dilation: two(dilation, 1),
    ceilMode: options.ceilMode ?? false,
  };
}

function expectRank(input: Tensor, layer: string, dims: number): void {
  if (input.ndim !== dims + 2)
    throw new RangeError(
      `${layer}: expected ${dims + 2}D input ${dims === 1 ? '(N, C, L)' : '(N, C, H, W)'}, got ${shapeToString(input.shape)}`,
    );
}

/** (N, C, L) as (N, C, 1, L) and back: the same memory. */
function as2d(input: Tensor): Tensor {
  return reshape(input, [input.shape[0], input.shape[1], 1, input.shape[2]]);
}

function as1d(output: Tensor): Tensor {
  return reshape(output, [output.shape[0], output.shape[1], output.shape[3]]);
}

export class MaxPool2d extends Module {
  private readonly options: Pool2dOptions;
  constructor(kernelSize: PoolArg, options: MaxPoolOptions = {}) {
    super();
    this.options = geometry(kernelSize, options, 2);
  }

  forward(input: Tensor): Tensor {
    expectRank(input, 'MaxPool2d', 2);
    return maxPool2d(input, this.options);
  }
}

export class MaxPool1d extends Module {
  private readonly options: Pool2dOptions;
  constructor(kernelSize: PoolArg, options: MaxPoolOptions = {}) {
    super();
    this.options = geometry(kernelSize, options, 1);
  }

  forward(input: Tensor): Tensor {
    expectRank(input, 'MaxPool1d', 1);
    return as1d(maxPool2d(as2d(input), this.options));
  }
}

function avgOptions(kernelSize: PoolArg, options: AvgPoolOptions, dims: number) {
  return {
    ...geometry(kernelSize, options, dims),
    countIncludePad: options.countIncludePad ?? true,
    divisorOverride: options.divisorOverride ?? null,
  };
}

export class AvgPool2d extends Module {
  private readonly options: ReturnType<typeof avgOptions>;
  constructor(kernelSize: PoolArg, options: AvgPoolOptions = {}) {
    super();
    this.options = avgOptions(kernelSize, options, 2);
  }

  forward(input: Tensor): Tensor {
    expectRank(input, 'AvgPool2d', 2);
    return avgPool2d(input, this.options);
  }
}

export class AvgPool1d extends Module {
  private readonly options: ReturnType<typeof avgOptions>;
  constructor(kernelSize: PoolArg, options: Omit<AvgPoolOptions, 'divisorOverride'> = {}) {
    super();
    this.options = avgOptions(kernelSize, options, 1);
  }

  forward(input: Tensor): Tensor {
    expectRank(input, 'AvgPool1d', 1);
    return as1d(avgPool2d(as2d(input), this.options));
  }
}

/** An adaptive output size: null keeps the input's extent in that dim. */
export type AdaptiveSize = number | null | readonly (number | null)[];

/** The adaptive output extents for the input's spatial extents (PyTorch's None means "keep"). */
export function adaptiveOutputSize(size: AdaptiveSize, spatial: readonly number[]): number[] {
  const each = Array.isArray(size) ? size : spatial.map(() => size as number | null);
  return spatial.map((d, k) => each[k] ?? d);
}

abstract class AdaptivePool extends Module {
  constructor(
    private readonly outputSize: AdaptiveSize,
    private readonly layer: string,
    private readonly dims: number,
  ) {
    super();
  }

  protected abstract pool(input: Tensor, oh: number, ow: number): Tensor;

  forward(input: Tensor): Tensor {
    expectRank(input, this.layer, this.dims);
    const spatial = input.shape.slice(2);
    const out = adaptiveOutputSize(this.outputSize, spatial);
    if (this.dims === 1) return as1d(this.pool(as2d(input), 1, out[0]));
    return this.pool(input, out[0], out[1]);
  }
}

export class AdaptiveAvgPool1d extends AdaptivePool {
  constructor(outputSize: AdaptiveSize) {
    super(outputSize, 'AdaptiveAvgPool1d', 1);
  }
  protected pool(input: Tensor, oh: number, ow: number): Tensor {
    return adaptiveAvgPool2d(input, oh, ow);
  }
}

export class AdaptiveAvgPool2d extends AdaptivePool {
  constructor(outputSize: AdaptiveSize) {
    super(outputSize, 'AdaptiveAvgPool2d', 2);
  }
  protected pool(input: Tensor, oh: number, ow: number): Tensor {
    return adaptiveAvgPool2d(input, oh, ow);
  }
}

export class AdaptiveMaxPool2d extends AdaptivePool {
  constructor(outputSize: AdaptiveSize) {
    super(outputSize, 'AdaptiveMaxPool2d', 2);
  }
  protected pool(input: Tensor, oh: number, ow: number): Tensor {
    return adaptiveMaxPool2d(input, oh, ow);
  }
}
