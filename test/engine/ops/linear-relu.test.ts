import { describe, expect, it } from 'vitest';
import { setSimdDisabled } from '../../../src/engine/kernels/gemm.js';
import { Linear, ReLU, Sequential } from '../../../src/engine/nn/index.js';
import { relu } from '../../../src/engine/ops/activations.js';
import { linear, linearRelu } from '../../../src/engine/ops/matmul.js';
import { Generator } from '../../../src/engine/random.js';
import type { Tensor } from '../../../src/engine/tensor.js';
import '../../../src/engine/tensor-methods.js';
import { bits, randn } from '../../helpers/bits.js';

/** Forward values and every parameter's gradient, from `f(x, w, b)` summed with random weights. */
function run(f: (x: Tensor, w: Tensor, b: Tensor) => Tensor, x: Tensor, w: Tensor, b: Tensor, up: Tensor) {
  const xs = x.clone();
  const ws = w.clone();
  const bs = b.clone();
  const y = f(xs, ws, bs);
  y.backward(up);
  return [y.data, xs.grad!.data, ws.grad!.data, bs.grad!.data].map(bits);
}

describe('linearRelu (the fused Linear + ReLU)', () => {
  for (const simd of [true, false]) {
    it(`equals relu(linear(...)) bitwise, values and gradients, on odd sizes (SIMD ${simd})`, () => {
      const previous = setSimdDisabled(!simd);
      try {
        const g = new Generator(11);
        for (const [rows, inF, outF] of [
          [1, 1, 1],
          [7, 3, 5],
          [33, 17, 9],
          [100, 10, 20],
          [64, 40, 16], // whole tiles: no ragged edges, bias and ReLU in the kernel
        ]) {
          const x = randn([rows, inF], g, true);
          const w = randn([outF, inF], g, true);
          const b = randn([outF], g, true);
          x.data[0] = Number.NaN; // NaN stays NaN through ReLU, and its gradient is 0
          const up = randn([rows, outF], g);
          const fused = run(linearRelu, x, w, b, up);
          const separate = run((xx, ww, bb) => relu(linear(xx, ww, bb)), x, w, b, up);
          expect(fused).toEqual(separate);
        }
      } finally {
        setSimdDisabled(previous);
      }
    });
  }

  it('equals relu(linear(...)) without a bias too (both paths)', () => {
    const g = new Generator(5);
    for (const simd of [true, false]) {
      const previous = setSimdDisabled(!simd);
      try {
        const x = randn([40, 30], g);
        const w = randn([50, 30], g, true);
        x.data[3] = Number.NaN;
        const fused = linearRelu(x, w, null);
        const separate = relu(linear(x, w, null));
        expect(bits(fused.data)).toEqual(bits(separate.data));
        expect(fused.data.some((v) => v === 0) && fused.data.some((v) => v > 0)).toBe(true);
      } finally {
        setSimdDisabled(previous);
      }
    }
  });

  it('is what Sequential runs for Linear then ReLU, with the same results as the layers one by one', () => {
    const g = new Generator(3);
    const model = new Sequential(
      new Linear(10, 20, { generator: g }),
      new ReLU(),
      new Linear(20, 2, { generator: g }),
    );
    const x = randn([13, 10], g);
    const fused = model.forward(x);
    let separate = x;
    for (const layer of model.layers) separate = layer.forward(separate);
    expect(bits(fused.data)).toEqual(bits(separate.data));
  });

  it('leaves a subclass of Linear to its own forward', () => {
    class Doubled extends Linear {
      override forward(input: Tensor): Tensor {
        return linear(input, this.weight, this.bias).mul(2);
      }
    }
    const g = new Generator(4);
    const model = new Sequential(new Doubled(3, 4, { generator: g }), new ReLU());
    const x = randn([5, 3], g);
    const expected = relu(model.layers[0].forward(x));
    expect(bits(model.forward(x).data)).toEqual(bits(expected.data));
  });
});
