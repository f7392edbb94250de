import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import {
  BatchNorm1d,
  buildModel,
  checkLayerShapes,
  Dropout,
  LayerNorm,
  Linear,
  parseModelSpec,
} from '../../../src/engine/nn/index.js';
import { Generator } from '../../../src/engine/random.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const simpleNN = {
  layers: [
    { type: 'Linear', in_features: 10, out_features: 20 },
    { type: 'ReLU' },
    { type: 'Linear', in_features: 20, out_features: 2 },
  ],
};

describe('Sequential state dicts', () => {
  it('names parameters and buffers like nn.Sequential', () => {
    const model = buildModel(
      {
        layers: [
          { type: 'Linear', in_features: 4, out_features: 3 },
          { type: 'ReLU' },
          { type: 'BatchNorm1d', num_features: 3 },
          { type: 'Linear', in_features: 3, out_features: 1, bias: false },
        ],
      },
      new Generator(0),
    );
    expect(Object.keys(model.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '2.running_mean',
      '2.running_var',
      '2.num_batches_tracked',
      '3.weight',
    ]);
    expect(model.namedParameters().map(([n]) => n)).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '3.weight',
    ]);
  });

  it('loads a state dict in place and names missing, unexpected and mis-shaped keys', () => {
    const model = buildModel(simpleNN, new Generator(1));
    const weightBefore = model.parameters()[0];
    const state = buildModel(simpleNN, new Generator(2)).stateDict();
    model.loadStateDict(state);
    expect(model.parameters()[0]).toBe(weightBefore); // same tensor, new values
    expect(Array.from(weightBefore.data)).toEqual(Array.from(state['0.weight'].data));

    const { '0.bias': _missing, ...withoutBias } = state;
    const bad = { ...withoutBias, '9.weight': tensor([1]), '2.weight': tensor([[1, 2]]) };
    try {
      model.loadStateDict(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SpecError);
      const messages = (err as SpecError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      expect(messages).toEqual([
        '0.bias: Missing key "0.bias" in state_dict',
        '9.weight: Unexpected key "9.weight" in state_dict',
        '2.weight: size mismatch for 2.weight: copying a param with shape [1, 2], the shape in current model is [2, 20]',
      ]);
    }
  });

  it('initialises Linear like PyTorch: U(-1/sqrt(in), 1/sqrt(in)), seeded', () => {
    const layer = new Linear(16, 8, { generator: new Generator(5) });
    const bound = 1 / Math.sqrt(16);
    for (const v of [...layer.weight.data, ...layer.bias!.data])
      expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    const spread = Math.max(...layer.weight.data) - Math.min(...layer.weight.data);
    expect(spread).toBeGreaterThan(bound); // uses the whole range, not a constant
    const again = new Linear(16, 8, { generator: new Generator(5) });
    expect(Array.from(again.weight.data)).toEqual(Array.from(layer.weight.data));
  });

  it('rejects bad layer specs naming the field', () => {
    expect(() =>
      parseModelSpec({ layers: [{ type: 'Linear', in_features: 0, out_features: 2 }, { type: 'Conv3d' }] }),
    ).toThrow(SpecError);
    try {
      parseModelSpec({
        layers: [
          { type: 'Linear', in_features: 0, out_features: 2 },
          { type: 'Conv3d' },
          { type: 'ReLU', x: 1 },
        ],
      });
    } catch (err) {
      const paths = (err as SpecError).issues.map((i) => i.path.join('.'));
      expect(paths).toEqual(['layers.0.in_features', 'layers.1.type', 'layers.2.x']);
      expect((err as SpecError).issues[1].message).toMatch(/unknown layer type 'Conv3d'/);
    }
  });

  it('checks layer shapes against the data width', () => {
    const layers = parseModelSpec(simpleNN).layers;
    expect(checkLayerShapes(layers, [10]).outputShape).toEqual([2]);
    const bad = checkLayerShapes(layers, [7]);
    expect(bad.issues[0].path).toEqual(['layers', 0, 'in_features']);
    expect(bad.issues[0].message).toMatch(/in_features is 10 but the data has 7 features/);
    const chain = parseModelSpec({
      layers: [
        { type: 'Linear', in_features: 3, out_features: 4 },
        { type: 'Linear', in_features: 5, out_features: 1 },
      ],
    });
    expect(checkLayerShapes(chain.layers, [3]).issues[0].path).toEqual(['layers', 1, 'in_features']);
  });
});

describe('normalisation layers', () => {
  it('LayerNorm normalises each sample and has correct gradients', () => {
    const ln = new LayerNorm(4);
    const out = ln.forward(tensor([[1, 2, 3, 4]]));
    const values = out.toArray() as number[][];
    const mean = values[0].reduce((a, b) => a + b, 0) / 4;
    expect(mean).toBeCloseTo(0, 6);
    expect(values[0][3]).toBeCloseTo(1.5 / Math.sqrt(1.25 + 1e-5), 5);
    // Gradients wrt the input and the affine parameters (perturbed in place by the check).
    const affine = new LayerNorm(4);
    affine.weight!.data.set(randomTensor([4], 2).data);
    affine.bias!.data.set(randomTensor([4], 3).data);
    const { maxError, worst } = gradcheck(
      (x) => affine.forward(x),
      [randomTensor([3, 4], 1), affine.weight!, affine.bias!],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
    const plain = new LayerNorm([2, 2], 1e-5, false);
    expect(gradcheck((x) => plain.forward(x), [randomTensor([3, 2, 2], 4)]).maxError).toBeLessThanOrEqual(0);
  });

  it('BatchNorm1d uses batch statistics in training, running statistics in eval', () => {
    const bn = new BatchNorm1d(2, { momentum: 0.5 });
    const x = tensor([
      [1, 10],
      [3, 30],
    ]);
    const out = bn.forward(x).toArray() as number[][];
    expect(out[0][0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-5), 5);
    const state = bn.stateDict();
    expect(state.running_mean.toArray()).toEqual([1, 10]); // 0.5·0 + 0.5·mean
    expect(state.running_var.data[0]).toBeCloseTo(0.5 + 0.5 * 2, 6); // unbiased variance of [1, 3] is 2
    expect(state.num_batches_tracked.item()).toBe(1);
    bn.eval();
    const evalOut = bn.forward(tensor([[1, 10]])).toArray() as number[][];
    expect(evalOut[0][0]).toBeCloseTo((1 - 1) / Math.sqrt(1.5 + 1e-5), 6);
    expect(bn.stateDict().num_batches_tracked.item()).toBe(1); // eval does not count batches
  });

  it('BatchNorm1d training gradients pass a finite-difference check', () => {
    const { maxError, worst } = gradcheck(
      (x: Tensor) => new BatchNorm1d(3).forward(x),
      [randomTensor([5, 3], 4)],
    );
    expect(maxError, worst).toBeLessThanOrEqual(0);
    const { maxError: e3 } = gradcheck(
      (x: Tensor) => new BatchNorm1d(2).forward(x),
      [randomTensor([3, 2, 4], 5)],
    );
    expect(e3).toBeLessThanOrEqual(0);
  });

  it('Dropout drops with probability p in training, seeded, and is the identity in eval', () => {
    const d = new Dropout(0.25, new Generator(9));
    const out = d.forward(tensor(new Float32Array(10000).fill(1)));
    const zeros = out.data.filter((v) => v === 0).length;
    expect(zeros / 10000).toBeGreaterThan(0.22);
    expect(zeros / 10000).toBeLessThan(0.28);
    expect(out.data.find((v) => v !== 0)).toBeCloseTo(1 / 0.75, 6);
    d.eval();
    expect(d.forward(tensor([1, 2])).toArray()).toEqual([1, 2]);
  });
});
