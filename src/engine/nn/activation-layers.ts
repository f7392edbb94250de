/** Parameter-free layers: thin modules over the activation and shape ops. */
import { elu, gelu, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../ops/activations.js';
import { flatten, unflatten } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return sigmoid(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(input: Tensor): Tensor {
    return gelu(input, this.approximate);
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }
}

export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return silu(input);
  }
}

export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return softplus(input, this.beta, this.threshold);
  }
}

export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

/** `nn.Flatten(start_dim=1, end_dim=-1)`: keeps the batch dimension by default. */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return flatten(input, this.startDim, this.endDim);
  }
}

/** `nn.Unflatten(dim, unflattened_size)`: splits dimension `dim` into `unflattened_size` (one entry may be -1). */
export class Unflatten extends Module {
  readonly unflattenedSize: readonly number[];

  constructor(
    readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    this.unflattenedSize = [...unflattenedSize];
  }
  forward(input: Tensor): Tensor {
    return unflatten(input, this.dim, this.unflattenedSize);
  }
}
