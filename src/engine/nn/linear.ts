import { linear } from '../ops/matmul.js';
import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/**
 * `nn.Linear(in_features, out_features, bias)`: y = x·Wᵀ + b, with PyTorch's default init:
 * kaiming_uniform_(a=√5) for W, which is U(-1/√in, 1/√in), and the same bound for b.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    { bias = true, generator = defaultGenerator }: { bias?: boolean; generator?: Generator } = {},
  ) {
    super();
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = this.registerParameter('weight', uniform([outFeatures, inFeatures], bound, generator))!;
    this.bias = this.registerParameter('bias', bias ? uniform([outFeatures], bound, generator) : null);
  }

  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }
}

function uniform(shape: number[], bound: number, generator: Generator): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = generator.uniform(-bound, bound);
  return new Tensor(data, shape);
}
