import { describe, expect, it } from 'vitest';
import { randn } from '../../src/engine/creation.js';
import {
  dropGradBufferSpares,
  gradBuffer,
  gradScratch64,
  outputBuffer,
  releaseGradBuffer,
  releaseSaved64,
  savedBuffer64,
  takeWalkOwned,
} from '../../src/engine/grad-buffer.js';
import { CrossEntropyLoss, MSELoss } from '../../src/engine/losses/index.js';
import { Linear, ReLU, Sequential, Tanh } from '../../src/engine/nn/index.js';
import * as ops from '../../src/engine/ops/index.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { SGD } from '../../src/engine/optim/sgd.js';
import { Generator } from '../../src/engine/random.js';
import { noGrad, Tensor } from '../../src/engine/tensor.js';

describe('gradient buffers', () => {
  it('are zero-filled, disjoint and of the requested length, pooled or not', () => {
    const sizes = [1, 3, 17, 1000, 4096, 4097, 70_000, 5];
    const buffers = sizes.map((n) => gradBuffer(n));
    buffers.forEach((b, i) => {
      expect(b).toBeInstanceOf(Float32Array);
      expect(b.length).toBe(sizes[i]);
      expect(b.every((v) => v === 0)).toBe(true);
      b.fill(i + 1);
    });
    // Writing each one did not touch any other.
    buffers.forEach((b, i) => {
      expect(b.every((v) => v === i + 1)).toBe(true);
    });
    const d = gradScratch64(9);
    expect(d).toBeInstanceOf(Float64Array);
    expect(d.length).toBe(9);
    expect(d.every((v) => v === 0)).toBe(true);
  });

  it('never hands out the same memory twice, across slabs', () => {
    // 400 × 16 KB spans many 256 KB slabs; each buffer is fresh zeros even after others were written.
    for (let i = 0; i < 400; i++) {
      const b = gradBuffer(4096);
      expect(b[0]).toBe(0);
      expect(b[4095]).toBe(0);
      b.fill(1);
    }
  });

  it('hands a large buffer to a taker once, and never a pooled one', () => {
    const large = gradBuffer(70_000);
    expect(takeWalkOwned(large)).toBe(true);
    expect(takeWalkOwned(large)).toBe(false);
    expect(takeWalkOwned(gradBuffer(10))).toBe(false);
    expect(takeWalkOwned(new Float32Array(70_000))).toBe(false);
  });

  it('a weight keeps its first gradient without a copy, and an old .grad keeps its values', () => {
    // 300×200 = 60,000 weights: past the pooled size, so dW is a standalone buffer the leaf keeps.
    const g = new Generator(3);
    const layer = new Linear(200, 300, { generator: g });
    const x = randn([4, 200], { generator: g });
    const optimizer = new SGD(layer.parameters(), { lr: 0.1 });
    const gradOf = (input: Tensor) => {
      optimizer.zeroGrad();
      ops.sum(layer.forward(input)).backward();
      return layer.weight.grad!;
    };
    // d(sum(x·Wᵀ + b))/dW[o][i] = Σ_rows x[r][i], for every output o.
    const columnSums = (input: Tensor) =>
      Array.from({ length: 200 }, (_, i) => [0, 1, 2, 3].reduce((s, r) => s + input.data[r * 200 + i], 0));
    const first = gradOf(x);
    const kept = first.data.slice();
    const expected = columnSums(x);
    for (let o = 0; o < 300; o += 37)
      for (let i = 0; i < 200; i++) expect(first.data[o * 200 + i]).toBeCloseTo(expected[i], 4);
    // A second pass (after set_to_none) gets a new buffer: the old tensor is untouched.
    const x2 = ops.mul(x, 2);
    const second = gradOf(x2);
    expect(second.data).not.toBe(first.data);
    expect(first.data).toEqual(kept);
    // And accumulation across backward() calls adds into the kept buffer, as in PyTorch.
    ops.sum(layer.forward(x)).backward();
    expect(layer.weight.grad!.data[5]).toBeCloseTo(columnSums(x2)[5] + expected[5], 3);
  });

  it('hands a released buffer out again zero-filled, once, and keeps no views or slab memory', () => {
    dropGradBufferSpares();
    const big = gradBuffer(70_000).fill(7);
    releaseGradBuffer(big);
    releaseGradBuffer(big); // a second release must not let two gradients share it
    const again = gradBuffer(70_000);
    expect(again).toBe(big);
    expect(again.every((v) => v === 0)).toBe(true);
    expect(gradBuffer(70_000)).not.toBe(big);
    const whole = new Float32Array(140_000);
    releaseGradBuffer(whole.subarray(0, 70_000)); // a view: not kept
    const small = gradBuffer(100);
    releaseGradBuffer(small);
    expect(gradBuffer(70_000).buffer).not.toBe(whole.buffer);
    expect(gradBuffer(100)).not.toBe(small);
    dropGradBufferSpares();
  });

  it('keeps small standalone buffers too, but not those V8 keeps in its heap (16 floats or fewer)', () => {
    dropGradBufferSpares();
    const small = outputBuffer(100).fill(3); // 400 bytes: a backing store of its own
    releaseGradBuffer(small);
    const again = outputBuffer(100);
    expect(again).toBe(small);
    expect(again.every((v) => v === 0)).toBe(true);
    const tiny = outputBuffer(16).fill(3);
    releaseGradBuffer(tiny);
    expect(outputBuffer(16)).not.toBe(tiny);
    // Float64 saved buffers have spares of their own: a Float32Array of the same bytes is not one.
    const saved = savedBuffer64(50).fill(2);
    releaseSaved64(saved);
    expect(outputBuffer(100)).not.toBe(saved as unknown);
    const saved2 = savedBuffer64(50);
    expect(saved2).toBe(saved);
    expect(saved2.every((v) => v === 0)).toBe(true);
    dropGradBufferSpares();
  });

  it("gives an op's saved buffers back when its graph is released, or at once when none is recorded", () => {
    dropGradBufferSpares();
    const x = new Tensor(
      Float32Array.from({ length: 40 }, (_, i) => i / 10),
      [40],
      true,
    );
    const savingOp = (input: Tensor) => {
      const saved = savedBuffer64(input.size);
      for (let i = 0; i < saved.length; i++) saved[i] = 2 * input.data[i];
      return {
        saved,
        out: Tensor.fromOp(
          new Float32Array([1]),
          [],
          [input],
          (g) => [Float32Array.from(saved, (v) => v * g[0])],
          [saved],
        ),
      };
    };
    const first = savingOp(x);
    first.out.backward();
    expect(x.grad!.data[39]).toBeCloseTo(7.8, 5);
    expect(savedBuffer64(40)).not.toBe(first.saved); // still the closure's
    first.out.releaseGraph();
    expect(savedBuffer64(40)).toBe(first.saved);
    const detached = noGrad(() => savingOp(x)); // no graph: nothing can read it later
    expect(savedBuffer64(40)).toBe(detached.saved);
    dropGradBufferSpares();
  });

  it('training with reused gradient and output memory gives bitwise the weights of fresh allocations', () => {
    // Layers past the slab size, so every large output and gradient goes through the spares: fused
    // Linear+ReLU, Tanh (a unary op), and a weight penalty of elementwise ops on a 96×256 weight.
    const build = () => {
      const g = new Generator(11);
      const model = new Sequential(
        new Linear(96, 256, { generator: g }),
        new ReLU(),
        new Linear(256, 64, { generator: g }),
        new Tanh(),
        new Linear(64, 5, { generator: g }),
      );
      const x = randn([64, 96], { generator: g });
      const y = new Tensor(
        Float32Array.from({ length: 64 }, (_, i) => i % 5),
        [64],
      );
      return { model, x, y, optimizer: new Adam(model.parameters(), { lr: 0.01 }) };
    };
    const train = (reuse: boolean) => {
      const { model, x, y, optimizer } = build();
      const loss = new CrossEntropyLoss();
      const w = model.parameters()[0];
      for (let step = 0; step < 6; step++) {
        if (!reuse) dropGradBufferSpares(); // every buffer fresh, as before reuse existed
        optimizer.zeroGrad({ reuse });
        const penalty = ops.mean(ops.mul(ops.sub(w, 0.01), w));
        const value = ops.add(loss.forward(model.forward(x), y), ops.mul(penalty, 1e-3));
        value.backward();
        optimizer.step();
        if (reuse) value.releaseGraph();
      }
      dropGradBufferSpares();
      return model.parameters().map((p) => Array.from(p.data));
    };
    expect(train(true)).toEqual(train(false));
  });

  it('a small model reusing its memory (below the slab size) trains bitwise as with fresh memory', () => {
    // SimpleNN-sized: every output, saved loss buffer and gradient is small; CE and MSE both save.
    const train = (reuse: boolean, lossKind: 'ce' | 'mse') => {
      const g = new Generator(21);
      const model = new Sequential(
        new Linear(10, 20, { generator: g }),
        new ReLU(),
        new Linear(20, 2, { generator: g }),
      );
      const x = randn([100, 10], { generator: g });
      const labels = Float32Array.from({ length: 100 }, (_, i) => (x.data[i * 10] > 0 ? 1 : 0));
      const y =
        lossKind === 'ce'
          ? new Tensor(labels, [100])
          : new Tensor(
              Float32Array.from({ length: 200 }, (_, i) => labels[i >> 1] * (i % 2)),
              [100, 2],
            );
      const loss = lossKind === 'ce' ? new CrossEntropyLoss() : new MSELoss();
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      for (let step = 0; step < 20; step++) {
        if (!reuse) dropGradBufferSpares();
        optimizer.zeroGrad({ reuse });
        const value = loss.forward(model.forward(x), y);
        value.backward();
        optimizer.step();
        if (reuse) value.releaseGraph();
      }
      dropGradBufferSpares();
      return model.parameters().map((p) => Array.from(p.data));
    };
    for (const kind of ['ce', 'mse'] as const) expect(train(true, kind)).toEqual(train(false, kind));
  });

  it('the walk does not reuse an incoming gradient that a closure passed on as a view', () => {
    dropGradBufferSpares();
    const n = 8192; // past the slab size: the gradients are standalone buffers the walk may reuse
    const w = new Tensor(new Float32Array(n).fill(1), [n], true);
    // A view op written with a new Float32Array over the same memory, forward and back.
    const view = (a: Tensor) =>
      Tensor.fromOp(a.data, a.shape, [a], (g) => [new Float32Array(g.buffer, g.byteOffset, g.length)]);
    const loss = ops.sum(ops.mul(view(ops.mul(w, 2)), 3));
    loss.backward();
    // Had the view's memory gone back to the spares, mul(w, 2)'s gradient buffer would have been
    // that memory, zeroed under the view it reads: 0 instead of 6.
    expect(w.grad!.data[0]).toBe(6);
    expect(w.grad!.data[n - 1]).toBe(6);
    dropGradBufferSpares();
  });

  it('zeroGrad({ reuse: true }) may overwrite an old .grad; the default never does', () => {
    const g = new Generator(5);
    const layer = new Linear(200, 300, { generator: g });
    const x = randn([2, 200], { generator: g });
    const optimizer = new SGD(layer.parameters(), { lr: 0.1 });
    ops.sum(layer.forward(x)).backward();
    const old = layer.weight.grad!;
    const kept = old.data.slice();
    optimizer.zeroGrad({ reuse: true });
    ops.sum(layer.forward(ops.neg(x))).backward();
    // The new gradient is the negation: computed right, in the old tensor's memory.
    expect(layer.weight.grad!.data[0]).toBeCloseTo(-kept[0], 5);
    expect(layer.weight.grad!.data).toBe(old.data);
    dropGradBufferSpares();
  });

  it('releaseGraph keeps the memory of leaves, inputs and what shares it, and ends the graph', () => {
    dropGradBufferSpares();
    const n = 8192; // 32 KB: past the slab size, so released memory is reused
    const w = new Tensor(new Float32Array(n).fill(1), [n], true);
    const input = new Tensor(new Float32Array(n).fill(2), [n]);
    const viewOfW = ops.reshape(w, [64, 128]); // shares w's memory
    const product = ops.mul(ops.reshape(input, [64, 128]), viewOfW);
    const loss = ops.sum(ops.mul(product, product));
    loss.backward();
    expect(w.grad!.data[0]).toBe(8); // d/dw Σ (2w)² = 8w
    loss.releaseGraph();
    // The intermediate products come back; w's and the input's memory never does.
    const handedOut = Array.from({ length: 6 }, () => outputBuffer(n));
    expect(handedOut.some((b) => b.buffer === product.data.buffer)).toBe(true);
    for (const b of handedOut) {
      expect(b.buffer).not.toBe(w.data.buffer);
      expect(b.buffer).not.toBe(input.data.buffer);
    }
    expect(Array.from(w.data.slice(0, 3))).toEqual([1, 1, 1]);
    expect(() => loss.backward()).toThrow(/released/);
    // Releasing again, or a graph sharing released nodes, gives nothing back a second time.
    const again = ops.sum(product);
    loss.releaseGraph();
    again.releaseGraph();
    const next = Array.from({ length: 6 }, () => outputBuffer(n));
    for (const b of next) for (const h of handedOut) expect(b.buffer).not.toBe(h.buffer);
    dropGradBufferSpares();
  });
});
