import { linearRelu } from '../ops/matmul.js';
import type { Tensor } from '../tensor.js';
import { ReLU } from './activation-layers.js';
import { Conv2d } from './conv.js';
import { Linear } from './linear.js';
import { type ForwardContext, Module } from './module.js';

/** `nn.Sequential`: layers applied in order, registered under their index ("0", "1", …). */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => {
      this.registerModule(String(i), layer);
    });
  }

  /** One context for the whole pass (fresh unless given), shared by every layer. */
  forward(input: Tensor, context: ForwardContext = {}): Tensor {
    const layers = this.layers;
    let x = input;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const next = layers[i + 1];
      // A Linear then a ReLU (exactly these classes) run as one op with the same results.
      if (layer.constructor === Linear && next?.constructor === ReLU) {
        const lin = layer as Linear;
        x = linearRelu(x, lin.weight, lin.bias);
        i++;
      } else if (layer.constructor === Conv2d && next?.constructor === ReLU) {
        x = (layer as Conv2d).forwardRelu(x); // likewise a Conv2d then a ReLU
        i++;
      } else {
        x = layer.forward(x, context);
      }
    }
    return x;
  }
}
