import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

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

  forward(input: Tensor): Tensor {
    let x = input;
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}
