/**
 * Loss values against formulas written out independently in doubles, for behaviours the
 * conformance file does not pin down (unbatched inputs, ignored targets with label smoothing,
 * clamps, extreme logits), plus the class/function equivalence and no-grad-for-targets rules.
 */
import { describe, expect, it } from 'vitest';
import {
  BCELoss,
  BCEWithLogitsLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  CrossEntropyLoss,
  crossEntropy,
  GaussianNLLLoss,
  gaussianNllLoss,
  HuberLoss,
  KLDivLoss,
  klDiv,
  L1Loss,
  MSELoss,
  MultiLabelSoftMarginLoss,
  mseLoss,
  NLLLoss,
  nllLoss,
  PoissonNLLLoss,
  poissonNllLoss,
  SmoothL1Loss,
  SoftMarginLoss,
  smoothL1Loss,
  softMarginLoss,
} from '../../../src/engine/losses/index.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';

function logSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return row.map((v) => v - lse);
}

const logits = [
  [1, 2, 3],
  [0.5, 0.1, -1],
  [2, 2, 2],
  [-1, 0, 4],
];

describe('CrossEntropyLoss values', () => {
  it('mean with label smoothing and an ignored target: the smoothing term averages over all positions', () => {
    const targets = [2, -100, 0, 1];
    const eps = 0.2;
    const lp = logits.map(logSoftmax);
    let nll = 0;
    let smooth = 0;
    let kept = 0;
    targets.forEach((y, n) => {
      if (y === -100) return;
      kept++;
      nll -= lp[n][y];
      smooth -= lp[n].reduce((s, v) => s + v, 0);
    });
    const expected = ((1 - eps) * nll) / kept + ((eps / 3) * smooth) / targets.length;
    const out = crossEntropy(tensor(logits), tensor(targets), { labelSmoothing: eps });
    expect(out.item()).toBeCloseTo(expected, 6);
  });

  it('mean with weight, label smoothing and an ignored target: both terms divide by Σ w_y', () => {
    const targets = [2, -100, 0, 1];
    const w = [0.5, 2, 1.5];
    const eps = 0.1;
    const lp = logits.map(logSoftmax);
    let nll = 0;
    let smooth = 0;
    let weightSum = 0;
    targets.forEach((y, n) => {
      if (y === -100) return;
      weightSum += w[y];
      nll -= w[y] * lp[n][y];
      smooth -= lp[n].reduce((s, v, c) => s + w[c] * v, 0);
    });
    const expected = ((1 - eps) * nll) / weightSum + ((eps / 3) * smooth) / weightSum;
    const out = crossEntropy(tensor(logits), tensor(targets), { labelSmoothing: eps, weight: tensor(w) });
    expect(out.item()).toBeCloseTo(expected, 6);
  });

  it('an unbatched (C) input equals the (1, C) batch', () => {
    const x = [0.3, -1.2, 2.5, 0.1];
    const single = crossEntropy(tensor(x), tensor(2), { labelSmoothing: 0.1 });
    const batch = crossEntropy(tensor([x]), tensor([2]), { labelSmoothing: 0.1 });
    expect(single.shape).toEqual([]);
    expect(single.item()).toBeCloseTo(batch.item(), 6);
    const none = crossEntropy(tensor(x), tensor(2), { reduction: 'none' });
    expect(none.shape).toEqual([]);
    const probs = crossEntropy(tensor(x), tensor([0.1, 0.2, 0.6, 0.1]));
    expect(probs.item()).toBeCloseTo(crossEntropy(tensor([x]), tensor([[0.1, 0.2, 0.6, 0.1]])).item(), 6);
  });

  it('is stable for huge logits (max subtraction)', () => {
    const out = crossEntropy(tensor([[1000, 0, -1000]]), tensor([1]));
    expect(out.item()).toBeCloseTo(1000, 3);
  });

  it("'mean' of all-ignored targets is NaN, as in PyTorch (0/0)", () => {
    expect(crossEntropy(tensor(logits), tensor([-100, -100, -100, -100])).item()).toBeNaN();
    expect(nllLoss(tensor(logits), tensor([-100, -100, -100, -100]), { reduction: 'sum' }).item()).toBe(0);
  });

  it('NLLLoss picks −w_y·x_y and divides by Σ w_y', () => {
    const w = [0.5, 2, 1.5];
    const out = nllLoss(tensor(logits), tensor([2, 0, -100, 1]), { weight: tensor(w) });
    const expected = -(1.5 * 3 + 0.5 * 0.5 + 2 * 0) / (1.5 + 0.5 + 2);
    expect(out.item()).toBeCloseTo(expected, 6);
  });
});

describe('BCELoss and BCEWithLogitsLoss values', () => {
  it('BCELoss clamps each log at −100', () => {
    const out = binaryCrossEntropy(tensor([0, 1, 1, 0]), tensor([1, 0, 1, 0]), { reduction: 'none' });
    const values = Array.from(out.data);
    expect(values.slice(0, 2)).toEqual([100, 100]);
    expect(Math.abs(values[2]) + Math.abs(values[3])).toBe(0);
  });

  it.each([100, 1000, 1e30])('BCEWithLogitsLoss at ±%s is finite and exact', (big) => {
    const x = tensor([big, -big, big, -big], { requiresGrad: true });
    const y = tensor([0, 1, 1, 0]);
    const out = binaryCrossEntropyWithLogits(x, y, { reduction: 'none' });
    // The exact losses are big, big, e^−big, e^−big (≤ 3.8e-44 here); gradients 1, −1, ≈0, ≈0.
    const [a, b, c, d] = Array.from(out.data);
    expect([a, b]).toEqual([Math.fround(big), Math.fround(big)]);
    for (const tiny of [c, d]) expect(tiny >= 0 && tiny < 1e-40).toBe(true);
    out.backward(tensor([1, 1, 1, 1]));
    const grad = Array.from(x.grad!.data);
    expect(grad.slice(0, 2)).toEqual([1, -1]);
    for (const tiny of grad.slice(2)) expect(Math.abs(tiny)).toBeLessThan(1e-40);
  });

  it('BCEWithLogitsLoss at ±100 with pos_weight and the mean', () => {
    const x = tensor([[100, -100]], { requiresGrad: true });
    const out = binaryCrossEntropyWithLogits(x, tensor([[0, 1]]), { posWeight: tensor([3, 3]) });
    // (100 + 3·100) / 2: the negative costs 100, the missed positive 3·100.
    expect(out.item()).toBeCloseTo(200, 4);
    out.backward();
    expect(Array.from(x.grad!.data)).toEqual([0.5, -1.5]);
  });

  it('BCEWithLogitsLoss matches BCELoss on sigmoid outputs for moderate logits', () => {
    const x = [-2, -0.5, 0, 0.7, 3];
    const y = [0, 1, 0.3, 1, 0];
    const probs = x.map((v) => 1 / (1 + Math.exp(-v)));
    const a = binaryCrossEntropyWithLogits(tensor(x), tensor(y)).item();
    const b = binaryCrossEntropy(tensor(probs), tensor(y)).item();
    expect(a).toBeCloseTo(b, 5);
  });
});

describe('other losses', () => {
  it('MSELoss example', () => {
    expect(mseLoss(tensor([1, 2]), tensor([0, 4])).item()).toBe(2.5);
  });

  it('SmoothL1Loss with beta 0 is L1Loss', () => {
    const x = tensor([0.3, -2, 1.5]);
    const y = tensor([0, 0, 1]);
    expect(smoothL1Loss(x, y, { beta: 0 }).item()).toBeCloseTo((0.3 + 2 + 0.5) / 3, 6);
  });

  it("KLDivLoss 'batchmean' divides the sum by the batch size; zero targets contribute 0", () => {
    const x = tensor([
      [-1, -2],
      [-0.5, -3],
    ]);
    const y = tensor([
      [0, 1],
      [0.25, 0.75],
    ]);
    const sum = klDiv(x, y, { reduction: 'sum' }).item();
    const expected = 1 * (0 + 2) + 0.25 * (Math.log(0.25) + 0.5) + 0.75 * (Math.log(0.75) + 3);
    expect(sum).toBeCloseTo(expected, 5);
    expect(klDiv(x, y, { reduction: 'batchmean' }).item()).toBeCloseTo(expected / 2, 5);
    expect(klDiv(x, y, { reduction: 'mean' }).item()).toBeCloseTo(expected / 4, 5);
  });

  it('PoissonNLLLoss adds the Stirling term only where target > 1', () => {
    const out = poissonNllLoss(tensor([0.5, 0.5]), tensor([1, 3]), { full: true, reduction: 'none' });
    const base = (t: number) => Math.exp(0.5) - t * 0.5;
    const stirling = 3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3);
    expect(out.data[0]).toBeCloseTo(base(1), 6);
    expect(out.data[1]).toBeCloseTo(base(3) + stirling, 5);
  });

  it('GaussianNLLLoss clamps var at eps without blocking its gradient', () => {
    const v = tensor([0, 4], { requiresGrad: true });
    const out = gaussianNllLoss(tensor([1, 1]), tensor([1, 3]), v, { eps: 1e-2, reduction: 'sum' });
    expect(out.item()).toBeCloseTo(0.5 * Math.log(1e-2) + 0.5 * (Math.log(4) + 1), 5);
    out.backward();
    expect(v.grad!.data[0]).toBeCloseTo(0.5 / 1e-2, 3);
    expect(v.grad!.data[1]).toBeCloseTo(0.5 * (1 / 4 - 4 / 16), 6);
  });

  it('SoftMarginLoss stays finite at large margins', () => {
    const out = softMarginLoss(tensor([1000, -1000]), tensor([-1, -1]), { reduction: 'none' });
    expect(Array.from(out.data)).toEqual([1000, 0]);
  });
});

describe('classes wrap the functions', () => {
  const x = tensor([
    [0.2, 0.7, 0.4],
    [0.9, 0.1, 0.5],
  ]);
  const y = tensor([
    [0, 1, 1],
    [1, 0, 0],
  ]);
  const cases: [string, { forward(a: Tensor, b: Tensor): Tensor }, Tensor, Tensor][] = [
    ['MSELoss', new MSELoss({ reduction: 'sum' }), x, y],
    ['L1Loss', new L1Loss(), x, y],
    ['SmoothL1Loss', new SmoothL1Loss({ beta: 0.3 }), x, y],
    ['HuberLoss', new HuberLoss({ delta: 0.3 }), x, y],
    ['BCELoss', new BCELoss({ weight: tensor([1, 2, 3]) }), x, y],
    ['BCEWithLogitsLoss', new BCEWithLogitsLoss({ posWeight: tensor([2, 1, 1]) }), x, y],
    ['KLDivLoss', new KLDivLoss({ reduction: 'batchmean', logTarget: true }), x, y],
    ['PoissonNLLLoss', new PoissonNLLLoss({ full: true }), x, y],
    ['MultiLabelSoftMarginLoss', new MultiLabelSoftMarginLoss({ reduction: 'none' }), x, y],
    ['CrossEntropyLoss', new CrossEntropyLoss({ labelSmoothing: 0.1 }), x, tensor([2, 0])],
    ['NLLLoss', new NLLLoss({ ignoreIndex: 0 }), x, tensor([2, 0])],
    [
      'SoftMarginLoss',
      new SoftMarginLoss(),
      x,
      tensor([
        [1, -1, 1],
        [-1, -1, 1],
      ]),
    ],
  ];

  it.each(cases)('%s is finite and gives the targets no gradient', (_name, loss, input, target) => {
    const a = input.clone();
    a.requiresGrad = true;
    const t = target.clone();
    t.requiresGrad = true;
    const out = loss.forward(a, t);
    for (const v of out.data) expect(Number.isFinite(v)).toBe(true);
    out.backward(
      tensor(
        Array.from(out.data, () => 1),
        { shape: out.shape },
      ),
    );
    expect(a.grad).not.toBeNull();
    expect(t.grad).toBeNull();
  });

  it('GaussianNLLLoss needs var', () => {
    const loss = new GaussianNLLLoss();
    expect(() => loss.forward(x, y)).toThrow('GaussianNLLLoss: forward needs var');
    expect(loss.forward(x, y, tensor([1, 2])).item()).toBeCloseTo(
      gaussianNllLoss(x, y, tensor([[1], [2]])).item(),
      6,
    );
  });

  it('a class forwards its options to the function', () => {
    expect(
      new CrossEntropyLoss({ reduction: 'sum', labelSmoothing: 0.1 }).forward(x, tensor([2, 0])).item(),
    ).toBe(crossEntropy(x, tensor([2, 0]), { reduction: 'sum', labelSmoothing: 0.1 }).item());
    expect(new KLDivLoss({ reduction: 'sum' }).forward(x, y).item()).toBe(
      klDiv(x, y, { reduction: 'sum' }).item(),
    );
  });
});
