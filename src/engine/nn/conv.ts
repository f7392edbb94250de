import { type Conv2dOptions, conv1d, conv2d, conv2dRelu } from '../ops/conv.js';
import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** A spatial argument as PyTorch takes it: one int for every dim, or one per dim. */
export type PerDim = number | readonly number[];
/** PyTorch's `padding`: per-dim ints, or "same" / "valid". */
export type Padding = PerDim | 'same' | 'valid';

export interface ConvOptions {
  stride?: PerDim;
  padding?: Padding;
  dilation?: PerDim;
  groups?: number;
  bias?: boolean;
  generator?: Generator;
}

function perDim(value: PerDim, dims: number): number[] {
  return typeof value === 'number' ? Array(dims).fill(value) : [...value];
}

/**
 * Padding before and after each spatial dim. "same" pads the total dilation·(k - 1) with the
 * smaller half before, as PyTorch does (it needs stride 1, which the spec schema checks).
 */
export function convPadding(
  padding: Padding,
  kernel: readonly number[],
  dilation: readonly number[],
): number[] {
  if (padding === 'valid') return kernel.flatMap(() => [0, 0]);
  if (padding === 'same')
    return kernel.flatMap((k, d) => {
      const total = dilation[d] * (k - 1);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  return perDim(padding, kernel.length).flatMap((p) => [p, p]);
}

/**
 * PyTorch's `_ConvNd`: weight (out, in/groups, *kernel) and bias (out), initialised as
 * `reset_parameters` does: kaiming_uniform_(a=√5), which is U(-1/√fan_in, 1/√fan_in), and the
 * bias from the same bound, with fan_in = in/groups · kernel elements.
 */
abstract class ConvNd extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  protected readonly stride: number[];
  protected readonly padding: number[];
  protected readonly dilation: number[];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number[],
    {
      stride = 1,
      padding = 0,
      dilation = 1,
      groups = 1,
      bias = true,
      generator = defaultGenerator,
    }: ConvOptions,
  ) {
    super();
    const dims = kernelSize.length;
    if (inChannels % groups !== 0) throw new RangeError('in_channels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('out_channels must be divisible by groups');
    this.stride = perDim(stride, dims);
    this.dilation = perDim(dilation, dims);
    this.padding = convPadding(padding, kernelSize, this.dilation);
    this.groups = groups;
    const fanIn = (inChannels / groups) * kernelSize.reduce((a, b) => a * b, 1);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    const shape = [outChannels, inChannels / groups, ...kernelSize];
    this.weight = this.registerParameter('weight', uniform(shape, bound, generator))!;
    this.bias = this.registerParameter('bias', bias ? uniform([outChannels], bound, generator) : null);
  }
}

/** `nn.Conv1d` over (N, C, L). */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerDim, options: ConvOptions = {}) {
    super(inChannels, outChannels, perDim(kernelSize, 1), options);
  }

  forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, {
      stride: this.stride[0],
      padding: [this.padding[0], this.padding[1]],
      dilation: this.dilation[0],
      groups: this.groups,
    });
  }
}

/** `nn.Conv2d` over (N, C, H, W). */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: PerDim, options: ConvOptions = {}) {
    super(inChannels, outChannels, perDim(kernelSize, 2), options);
  }

  forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.options());
  }

  /** `relu(this.forward(input))` as one op, bitwise the same (Sequential fuses a Conv2d then a ReLU). */
  forwardRelu(input: Tensor): Tensor {
    return conv2dRelu(input, this.weight, this.bias, this.options());
  }

  private options(): Conv2dOptions {
    const [pt, pb, pl, pr] = this.padding;
    return {
      stride: [this.stride[0], this.stride[1]],
      padding: [pt, pb, pl, pr],
      dilation: [this.dilation[0], this.dilation[1]],
      groups: this.groups,
    };
  }
}

function uniform(shape: number[], bound: number, generator: Generator): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = generator.uniform(-bound, bound);
  return new Tensor(data, shape);
}
