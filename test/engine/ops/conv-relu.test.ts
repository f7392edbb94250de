import { describe, expect, it } from 'vitest';
import { setSimdDisabled } from '../../../src/engine/kernels/gemm.js';
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../../src/engine/nn/index.js';
import { relu } from '../../../src/engine/ops/activations.js';
import { type Conv2dOptions, conv2d, conv2dRelu } from '../../../src/engine/ops/conv.js';
import { Generator } from '../../../src/engine/random.js';
import { Tensor } from '../../../src/engine/tensor.js';
import '../../../src/engine/tensor-methods.js';
import { bits, randn } from '../../helpers/bits.js';

function options(stride: number, pad: [number, number, number, number], groups: number): Conv2dOptions {
  return { stride: [stride, stride], padding: pad, dilation: [1, 1], groups };
}

/** Values, then the gradients of x, weight and bias (when there is one), as bits. */
function run(
  f: (x: Tensor, w: Tensor, b: Tensor | null) => Tensor,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  nan = true,
) {
  const xs = x.clone();
  const ws = w.clone();
  const bs = b?.clone() ?? null;
  const y = f(xs, ws, bs);
  const g = new Generator(99);
  const up = randn(y.shape, g);
  if (nan) up.data[1] = Number.NaN; // reaches the gradient only where the output is positive
  y.backward(up);
  const grads = [xs.grad!.data, ws.grad!.data];
  if (bs !== null) grads.push(bs.grad!.data);
  return [y.data, ...grads].map(bits);
}

describe('conv2dRelu (the fused Conv2d + ReLU)', () => {
  for (const simd of [true, false]) {
    it(`equals relu(conv2d(...)) bitwise, values and gradients (SIMD ${simd})`, () => {
      const previous = setSimdDisabled(!simd);
      try {
        const g = new Generator(7);
        const cases: [number[], number[], Conv2dOptions, boolean][] = [
          [[1, 1, 5, 5], [4, 1, 3, 3], options(1, [1, 1, 1, 1], 1), true], // one sample: in place
          [[3, 2, 7, 6], [4, 2, 3, 3], options(1, [1, 1, 1, 1], 1), true],
          [[2, 4, 9, 8], [6, 2, 3, 2], options(2, [0, 1, 2, 0], 2), true], // groups, stride, uneven pads
          [[4, 3, 6, 6], [5, 3, 1, 1], options(1, [0, 0, 0, 0], 1), false], // no bias, no padding
        ];
        for (const [xShape, wShape, opts, withBias] of cases) {
          const x = randn(xShape, g, true);
          const w = randn(wShape, g, true);
          const b = withBias ? randn([wShape[0]], g, true) : null;
          x.data[0] = Number.NaN; // NaN stays NaN through ReLU (and blocks its gradient)
          const fused = run((xx, ww, bb) => conv2dRelu(xx, ww, bb, opts), x, w, b);
          const separate = run((xx, ww, bb) => relu(conv2d(xx, ww, bb, opts)), x, w, b);
          expect(fused).toEqual(separate);
        }
      } finally {
        setSimdDisabled(previous);
      }
    });
  }

  it('keeps the exact zeros: -0 and negative pre-activations become +0', () => {
    // A 1×1 convolution with weight 1 and bias 0 passes x through: -0 → +0, -1 → +0, NaN kept.
    const x = new Tensor(Float32Array.of(-0, 0, -1, 2, Number.NaN, Number.POSITIVE_INFINITY), [1, 1, 1, 6]);
    const w = new Tensor(Float32Array.of(1), [1, 1, 1, 1]);
    const b = new Tensor(Float32Array.of(0), [1]);
    const y = conv2dRelu(x, w, b, options(1, [0, 0, 0, 0], 1));
    expect(Array.from(y.data)).toEqual([0, 0, 0, 2, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(bits(y.data)).toEqual(bits(relu(x).data));
  });

  it('is what Sequential runs for Conv2d then ReLU, with the same results as the layers one by one', () => {
    const make = () => {
      const g = new Generator(3);
      return new Sequential(
        new Conv2d(2, 4, 3, { padding: 1, generator: g }),
        new ReLU(),
        new MaxPool2d(2),
        new Flatten(),
        new Linear(4 * 4 * 4, 3, { generator: g }),
      );
    };
    const fusedModel = make();
    const layerModel = make();
    const x = randn([5, 2, 8, 8], new Generator(4));
    const fusedOut = fusedModel.forward(x);
    let y = x;
    for (const layer of layerModel.layers) y = layer.forward(y);
    expect(bits(fusedOut.data)).toEqual(bits(y.data));
    fusedOut.sum().backward();
    y.sum().backward();
    const fusedGrads = fusedModel.parameters().map((p) => bits(p.grad!.data));
    const layerGrads = layerModel.parameters().map((p) => bits(p.grad!.data));
    expect(fusedGrads).toEqual(layerGrads);
  });
});

describe('relu on float32 bits', () => {
  it('gives x > 0 ? x : NaN ? x : 0 for every kind of value', () => {
    const values = [-0, 0, -1, 1, -1e-45, 1e-45, -3.4e38, 3.4e38, -Infinity, Infinity, Number.NaN];
    const x = new Tensor(Float32Array.from(values), [values.length]);
    const ref = values.map((v) => (v > 0 ? Math.fround(v) : Number.isNaN(v) ? v : 0));
    expect(Array.from(relu(x).data)).toEqual(ref);
    // A NaN with its sign bit set is a NaN too.
    const negNaN = new Float32Array(new Uint32Array([0xffc00000]).buffer);
    expect(Number.isNaN(relu(new Tensor(negNaN, [1])).data[0])).toBe(true);
  });
});

describe('conv2d stride 1 with output width = input width (one run per sample and tap)', () => {
  it('equals the row-by-row loops: the same conv on an explicitly zero-padded input', () => {
    const g = new Generator(21);
    for (const [pad, dil, k] of [
      [[1, 1, 1, 1], 1, 3],
      [[2, 0, 1, 1], 1, 3], // uneven rows: whole rows of padding at the top
      [[2, 2, 2, 2], 2, 3], // dilation
      [[0, 1, 0, 1], 1, 2], // PyTorch's "same" for an even kernel
    ] as const) {
      const [n, c, h, w, o] = [3, 2, 6, 7, 4];
      const x = randn([n, c, h, w], g, true);
      const wt = randn([o, c, k, k], g, true);
      const b = randn([o], g, true);
      const opts: Conv2dOptions = { stride: [1, 1], padding: pad, dilation: [dil, dil], groups: 1 };
      const [pt, pb, pl, pr] = pad;
      const [hp, wp] = [h + pt + pb, w + pl + pr];
      const padded = new Float32Array(n * c * hp * wp);
      for (let p = 0; p < n * c; p++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) padded[(p * hp + i + pt) * wp + j + pl] = x.data[(p * h + i) * w + j];
      const xp = new Tensor(padded, [n, c, hp, wp], true);
      const a = run((xx, ww, bb) => conv2d(xx, ww, bb, opts), x, wt, b, false);
      const unpadded: Conv2dOptions = { ...opts, padding: [0, 0, 0, 0] };
      const ref = run((xx, ww, bb) => conv2d(xx, ww, bb, unpadded), xp, wt, b, false);
      expect(a[0]).toEqual(ref[0]); // values
      expect(a.slice(2)).toEqual(ref.slice(2)); // weight and bias gradients
      // The input gradient: the padded one's interior.
      const inner: number[] = [];
      for (let p = 0; p < n * c; p++)
        for (let i = 0; i < h; i++)
          for (let j = 0; j < w; j++) inner.push(ref[1][(p * hp + i + pt) * wp + j + pl]);
      expect(a[1]).toEqual(inner);
    }
  });
});
