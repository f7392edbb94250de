/**
 * The sequence layers beyond the PyTorch vectors: finite-difference gradients of the fused
 * recurrent op, bitwise repeatability, PyTorch's initialisation, the spec's refusals, the W_hh
 * products against a once-packed operand, shape rules and the activation-memory model.
 */
import { describe, expect, it } from 'vitest';
import type { SpecError } from '../../../src/engine/errors.js';
import { FixedBGemm, gemmInto } from '../../../src/engine/kernels/gemm.js';
import { activationMemory, layerActivationCost } from '../../../src/engine/nn/activation-memory.js';
import { buildModel, type LayerSpec, parseModelSpec } from '../../../src/engine/nn/registry.js';
import { checkLayerShapes } from '../../../src/engine/nn/shape-check.js';
import { type RecurrentMode, recurrentDirection } from '../../../src/engine/ops/recurrent.js';
import { Generator } from '../../../src/engine/random.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const layers = (...specs: unknown[]) => parseModelSpec({ layers: specs }).layers as LayerSpec[];

describe('recurrentDirection (the fused op)', () => {
  const gates: Record<RecurrentMode, number> = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 };
  it.each(
    (Object.keys(gates) as RecurrentMode[]).flatMap((mode) => [
      [mode, false],
      [mode, true],
    ]),
  )('%s (reverse %s) passes a finite-difference gradient check on x and every weight', (mode, reverse) => {
    const [steps, batch, inSize, hidden] = [4, 3, 2, 3];
    const g = gates[mode as RecurrentMode];
    const x = randomTensor([steps, batch, inSize], 1);
    const wih = randomTensor([g * hidden, inSize], 2, -0.8, 0.8);
    const whh = randomTensor([g * hidden, hidden], 3, -0.8, 0.8);
    const bih = randomTensor([g * hidden], 4, -0.5, 0.5);
    const bhh = randomTensor([g * hidden], 5, -0.5, 0.5);
    const { maxError, worst } = gradcheck(
      (...t) => recurrentDirection(t[0], t[1], t[2], t[3], t[4], mode as RecurrentMode, reverse as boolean),
      [x, wih, whh, bih, bhh],
      { eps: 1e-3, atol: 2e-3, rtol: 2e-2 },
    );
    expect(maxError, worst).toBe(0);
  });

  it('refuses an input whose features are not input_size, naming the op', () => {
    const x = randomTensor([2, 1, 3], 1);
    expect(() =>
      recurrentDirection(x, randomTensor([8, 2], 2), randomTensor([8, 2], 3), null, null, 'LSTM'),
    ).toThrow(/LSTM: input.size\(-1\) must be equal to input_size. Expected 2, got 3/);
  });
});

describe('sequence layers', () => {
  const spec = {
    layers: [
      { type: 'Embedding', num_embeddings: 30, embedding_dim: 8, padding_idx: 3 },
      { type: 'LSTM', input_size: 8, hidden_size: 40, num_layers: 2, dropout: 0.5, bidirectional: true },
      { type: 'Mean', dim: 1 },
      { type: 'Linear', in_features: 80, out_features: 2 },
    ],
  };
  const ids = new Tensor(
    Float32Array.from({ length: 6 * 9 }, (_, i) => (i * 7) % 30),
    [6, 9],
  );

  it('are bitwise repeatable, dropout between layers included, and seeded', () => {
    const run = (seed: number) => {
      const model = buildModel(spec, new Generator(seed));
      const out = model.forward(ids);
      out.backward(new Tensor(new Float32Array(out.size).fill(1), out.shape));
      return [out.data, ...model.parameters().map((p) => p.grad!.data)]
        .map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex'))
        .join();
    };
    expect(run(4)).toBe(run(4));
    expect(run(4)).not.toBe(run(5));
  });

  it('initialise as PyTorch does: U(±1/√hidden_size), N(0, 1) with the padding row zero', () => {
    const model = buildModel(spec, new Generator(0));
    const state = model.stateDict();
    expect(Object.keys(state).filter((k) => k.startsWith('1.'))).toEqual(
      [0, 1].flatMap((l) =>
        ['', '_reverse'].flatMap((d) =>
          ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((w) => `1.${w}_l${l}${d}`),
        ),
      ),
    );
    expect(state['1.weight_ih_l1'].shape).toEqual([160, 80]);
    const bound = 1 / Math.sqrt(40);
    const lstm = Object.entries(state)
      .filter(([k]) => k.startsWith('1.'))
      .flatMap(([, t]) => Array.from(t.data));
    expect(Math.max(...lstm.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...lstm.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    const emb = state['0.weight'].data;
    expect(Array.from(emb.subarray(3 * 8, 4 * 8))).toEqual(Array(8).fill(0));
    const rest = Array.from(emb).filter((_, i) => Math.floor(i / 8) !== 3);
    const mean = rest.reduce((a, b) => a + b, 0) / rest.length;
    const sd = Math.sqrt(rest.reduce((a, b) => a + (b - mean) ** 2, 0) / rest.length);
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(sd).toBeGreaterThan(0.8);
    expect(sd).toBeLessThan(1.2);
  });

  it('refuse what PyTorch has but the engine does not, naming the field', () => {
    const issues = (layer: object) => {
      try {
        parseModelSpec({ layers: [layer] });
      } catch (err) {
        return (err as SpecError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      return [];
    };
    expect(issues({ type: 'Embedding', num_embeddings: 5, embedding_dim: 2, max_norm: 1 })).toEqual([
      expect.stringMatching(/^layers\.0\.max_norm: max_norm is not supported/),
    ]);
    expect(issues({ type: 'Embedding', num_embeddings: 5, embedding_dim: 2, padding_idx: 5 })).toEqual([
      'layers.0.padding_idx: Padding_idx must be within num_embeddings',
    ]);
    expect(issues({ type: 'LSTM', input_size: 2, hidden_size: 4, proj_size: 2 })).toEqual([
      'layers.0.proj_size: proj_size is not supported',
    ]);
    // As in PyTorch, proj_size is LSTM's alone.
    expect(issues({ type: 'GRU', input_size: 2, hidden_size: 4, proj_size: 0 })[0]).toMatch(/proj_size/);
    expect(issues({ type: 'RNN', input_size: 2, hidden_size: 4, nonlinearity: 'sigmoid' })[0]).toMatch(
      /^layers\.0\.nonlinearity/,
    );
    expect(issues({ type: 'GRU', input_size: 2, hidden_size: 4, dropout: 2 })[0]).toMatch(
      /^layers\.0\.dropout/,
    );
  });

  it('Embedding refuses a token id outside its table', () => {
    const model = buildModel({ layers: [spec.layers[0]] }, new Generator(0));
    expect(() => model.forward(new Tensor(Float32Array.of(1, 30), [1, 2]))).toThrow(
      /index 30 is out of range \[0, 30\)/,
    );
  });
});

describe('FixedBGemm (W_hh packed once for all steps)', () => {
  it.each([
    [false, 64, 128, 512],
    [true, 9, 40, 160],
    [false, 3, 6, 24],
  ])('transB %s, %i×%i·%i: bitwise the product gemmInto gives, step after step', (transB, m, k, n) => {
    const b = randomTensor([k * n], 7).data;
    const bias = randomTensor([n], 8).data;
    const fixed = new FixedBGemm(b, n, k, transB, m);
    for (let step = 0; step < 3; step++) {
      const a = randomTensor([m * k], 10 + step).data;
      const want = new Float32Array(m * n);
      const got = new Float32Array(m * n);
      gemmInto(a, b, want, m, k, n, { transB, bias });
      // Another product in between would drop the packed B; the step loop makes none.
      fixed.product(a, got, m, { bias });
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
});

describe('shape rules and activation memory', () => {
  it('walk tokens → recurrent → selectors, and refuse a bad input_size or a missing sequence axis', () => {
    const stack = layers(
      { type: 'Embedding', num_embeddings: 10, embedding_dim: 4 },
      { type: 'GRU', input_size: 4, hidden_size: 5, bidirectional: true, batch_first: true },
      { type: 'Select', dim: 1, index: -1 },
    );
    expect(checkLayerShapes(stack, [7]).layerShapes).toEqual([[7, 4], [7, 10], [10]]);
    const mean = layers({ type: 'Mean', dim: -1, keepdim: true });
    expect(checkLayerShapes(mean, [7, 10]).outputShape).toEqual([7, 1]);
    const bad = layers({ type: 'LSTM', input_size: 3, hidden_size: 5 });
    expect(checkLayerShapes(bad, [7, 4]).issues).toEqual([
      { path: ['layers', 0, 'input_size'], message: expect.stringMatching(/Expected 3, got 4/) },
    ]);
    expect(checkLayerShapes(bad, [3]).issues[0].message).toMatch(/expects 3D input .* Unflatten/);
    expect(checkLayerShapes(layers({ type: 'Select', dim: 1, index: 9 }), [7, 4]).issues[0].path).toEqual([
      'layers',
      0,
      'index',
    ]);
  });

  it('counts an LSTM as steps × batch × (h, 4 gates, cell, tanh(cell)) per layer and direction, plus its scratch', () => {
    const lstm = { type: 'LSTM', input_size: 64, hidden_size: 128, batch_first: true };
    const cost = layerActivationCost(lstm, [50, 64], [50, 128], 64);
    const rows = 64 * 50;
    expect(cost.keptBytes).toBe(4 * rows * (128 + 4 * 128 + 2 * 128));
    expect(cost.backwardBytes).toBe(4 * 64 * (50 * 64 + 50 * 128) + 4 * rows * (4 * 128 + 128));
    const two = { ...lstm, num_layers: 2, bidirectional: true };
    expect(layerActivationCost(two, [50, 64], [50, 256], 64).keptBytes).toBeGreaterThan(4 * cost.keptBytes);
    const w5 = layers(
      { type: 'Embedding', num_embeddings: 1000, embedding_dim: 64 },
      lstm,
      { type: 'Select', dim: 1, index: -1 },
      { type: 'Linear', in_features: 128, out_features: 10 },
    );
    expect(activationMemory(w5, [50], 64).unknownAt).toBeNull();
  });
});
