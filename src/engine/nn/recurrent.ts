/**
 * PyTorch's recurrent layers `nn.RNN`, `nn.LSTM` and `nn.GRU` (the `RNNBase` arguments and
 * state-dict names `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, `_reverse` for the
 * second direction), from a zero initial state. The forward returns PyTorch's `output` tensor,
 * (L, N, D·H) or (N, L, D·H) with batch_first, (L, D·H) for an unbatched (L, H_in) input; the final
 * states (h_n, c_n) are not exposed. Each direction of each layer is one fused op
 * (ops/recurrent.ts).
 */
import { GATES, type RecurrentMode, recurrentDirection } from '../ops/recurrent.js';
import { cat, squeeze, unsqueeze } from '../ops/shape.js';
import { defaultGenerator, type Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { Dropout } from './dropout.js';
import { Module } from './module.js';

export interface RecurrentOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training (seeded generator). */
  dropout?: number;
  bidirectional?: boolean;
  generator?: Generator;
}

interface DirectionWeights {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
}

/**
 * `RNNBase`: every parameter initialised U(-1/√hidden_size, 1/√hidden_size), in registration order
 * (per layer, per direction: weight_ih, weight_hh, bias_ih, bias_hh), as `reset_parameters` does.
 */
abstract class RecurrentBase extends Module {
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
  private readonly weights: DirectionWeights[][] = [];
  private readonly dropoutLayer: Dropout | null;

  constructor(
    readonly mode: RecurrentMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    {
      numLayers = 1,
      bias = true,
      batchFirst = false,
      dropout = 0,
      bidirectional = false,
      generator = defaultGenerator,
    }: RecurrentOptions,
  ) {
    super();
    this.numLayers = numLayers;
    this.batchFirst = batchFirst;
    this.bidirectional = bidirectional;
    const gh = GATES[mode] * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    const directions = bidirectional ? 2 : 1;
    for (let layer = 0; layer < numLayers; layer++) {
      const layerIn = layer === 0 ? inputSize : hiddenSize * directions;
      const dirs: DirectionWeights[] = [];
      for (let d = 0; d < directions; d++) {
        const sfx = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        dirs.push({
          weightIh: this.registerParameter(`weight_ih${sfx}`, uniform([gh, layerIn], bound, generator))!,
          weightHh: this.registerParameter(`weight_hh${sfx}`, uniform([gh, hiddenSize], bound, generator))!,
          biasIh: this.registerParameter(`bias_ih${sfx}`, bias ? uniform([gh], bound, generator) : null),
          biasHh: this.registerParameter(`bias_hh${sfx}`, bias ? uniform([gh], bound, generator) : null),
        });
      }
      this.weights.push(dirs);
    }
    this.dropoutLayer = dropout > 0 && numLayers > 1 ? new Dropout(dropout, generator) : null;
  }

  forward(input: Tensor): Tensor {
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new RangeError(`${this.mode}: Expected input to be 2D or 3D, got ${input.ndim}D instead`);
    const unbatched = input.ndim === 2;
    // batch_first is handled inside the op (no transposes); an unbatched input is one sequence.
    const batchFirst = this.batchFirst && !unbatched;
    let x = unbatched ? unsqueeze(input, 1) : input;
    if (x.shape[2] !== this.inputSize)
      throw new RangeError(
        `${this.mode}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${x.shape[2]}`,
      );
    this.weights.forEach((dirs, layer) => {
      const outs = dirs.map((w, d) =>
        recurrentDirection(x, w.weightIh, w.weightHh, w.biasIh, w.biasHh, this.mode, d === 1, batchFirst),
      );
      x = outs.length === 1 ? outs[0] : cat(outs, 2);
      if (this.dropoutLayer !== null && layer < this.numLayers - 1) {
        this.dropoutLayer.train(this.training);
        x = this.dropoutLayer.forward(x);
      }
    });
    return unbatched ? squeeze(x, 1) : x;
  }
}

/** `nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias, batch_first, dropout, bidirectional)`. */
export class RNN extends RecurrentBase {
  constructor(
    inputSize: number,
    hiddenSize: number,
    nonlinearity: 'tanh' | 'relu' = 'tanh',
    options: RecurrentOptions = {},
  ) {
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
  }
}

/** `nn.LSTM(input_size, hidden_size, ...)`: gates (i, f, g, o). */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }
}

/** `nn.GRU(input_size, hidden_size, ...)`: gates (r, z, n). */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', inputSize, hiddenSize, options);
  }
}

function uniform(shape: number[], bound: number, generator: Generator): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = generator.uniform(-bound, bound);
  return new Tensor(data, shape);
}
