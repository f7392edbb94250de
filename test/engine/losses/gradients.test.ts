/**
 * Finite-difference gradient checks of every loss. The check contracts the output with fixed
 * random coefficients c (so 'none' checks the whole Jacobian), backpropagates c, and compares each
 * input's gradient with the fourth-order central difference
 *   (−S(x + 2h) + 8·S(x + h) − 8·S(x − h) + S(x − 2h)) / 12h,
 * whose truncation error is O(h⁴), so h can be large enough to keep rounding noise small.
 *
 * The forward runs in doubles and only its outputs are rounded to float32 (relative error 2^-24
 * each), so S carries a known rounding error of at most 2^-24·Σ|c·o|. The tolerance is that bound
 * carried through the difference quotient, plus 1e-5 + 2e-3·|numeric| for truncation and for the
 * float32 rounding of x ± h. A wrong formula, factor or divisor is off by far more.
 */
import { describe, expect, it } from 'vitest';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  gaussianNllLoss,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  multilabelSoftMarginLoss,
  nllLoss,
  poissonNllLoss,
  smoothL1Loss,
  softMarginLoss,
} from '../../../src/engine/losses/index.js';
import { Generator } from '../../../src/engine/random.js';
import { noGrad, numel, type Shape, Tensor, tensor } from '../../../src/engine/tensor.js';

const H = 1e-2;
const ATOL = 1e-5;
const RTOL = 2e-3;
const F32_EPS = 2 ** -24;

const gen = new Generator(20240607);

function uniform(shape: Shape, low: number, high: number, requiresGrad = false): Tensor {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = gen.uniform(low, high);
  return new Tensor(data, shape, requiresGrad);
}

/** Class indices in [0, classes), with some positions set to `ignore`. */
function labels(shape: Shape, classes: number, ignore?: number): Tensor {
  const t = new Tensor(new Float32Array(numel(shape)), shape);
  for (let i = 0; i < t.size; i++) t.data[i] = gen.randint(classes);
  if (ignore !== undefined) t.data[1] = ignore;
  return t;
}

/** A target offset from `input` by amounts well away from the kinks of L1/SmoothL1/Huber. */
function offsetTarget(input: Tensor): Tensor {
  const offsets = [-2.3, -0.7, -0.3, 0.4, 1.3, 2.6, -1.6, 0.2];
  return new Tensor(
    input.data.map((x, i) => x + offsets[i % offsets.length]),
    input.shape,
  );
}

/** Rows of probabilities summing to 1 along the class dimension of (N, C). */
function probabilities(n: number, c: number): Tensor {
  const t = uniform([n, c], 0.1, 1);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += t.data[r * c + k];
    for (let k = 0; k < c; k++) t.data[r * c + k] /= s;
  }
  return t;
}

/** `h` is the step; steep losses (BCELoss near 0 and 1) need a smaller one. */
function gradcheck(f: () => Tensor, inputs: Tensor[], h = H): void {
  const out = f();
  const coeffs = uniform(out.shape, 0.5, 1.5);
  out.backward(coeffs);
  /** S = Σ c·o and the bound on its float32 rounding error. */
  const contracted = (): [number, number] =>
    noGrad(() => {
      const o = f();
      let s = 0;
      let magnitude = 0;
      for (let i = 0; i < o.size; i++) {
        s += coeffs.data[i] * o.data[i];
        magnitude += Math.abs(coeffs.data[i] * o.data[i]);
      }
      return [s, F32_EPS * magnitude];
    });
  for (const [k, x] of inputs.entries()) {
    expect(x.grad, `input ${k} got no gradient`).not.toBeNull();
    for (let i = 0; i < x.size; i++) {
      const orig = x.data[i];
      const at = (offset: number): [number, number] => {
        x.data[i] = orig + offset;
        const value = contracted();
        x.data[i] = orig;
        return value;
      };
      const [s2, e2] = at(2 * h);
      const [s1, e1] = at(h);
      const [m1, f1] = at(-h);
      const [m2, f2] = at(-2 * h);
      const numeric = (-s2 + 8 * s1 - 8 * m1 + m2) / (12 * h);
      const noise = (e2 + 8 * e1 + 8 * f1 + f2) / (12 * h);
      const analytic = x.grad!.data[i];
      expect(
        Math.abs(numeric - analytic),
        `input ${k}[${i}]: analytic ${analytic} vs numeric ${numeric}`,
      ).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(numeric) + noise);
    }
  }
}

const reductions = ['mean', 'sum', 'none'] as const;

describe('finite-difference gradients', () => {
  describe.each(reductions)('regression losses, reduction %s', (reduction) => {
    it('MSELoss', () => {
      const x = uniform([3, 4], -2, 2, true);
      const y = uniform([3, 4], -2, 2);
      gradcheck(() => mseLoss(x, y, { reduction }), [x]);
    });
    it('L1Loss', () => {
      const x = uniform([3, 4], -2, 2, true);
      const y = offsetTarget(x);
      gradcheck(() => l1Loss(x, y, { reduction }), [x]);
    });
    it.each([1, 0.5, 0])('SmoothL1Loss beta %s', (beta) => {
      const x = uniform([2, 4], -2, 2, true);
      const y = offsetTarget(x);
      gradcheck(() => smoothL1Loss(x, y, { reduction, beta }), [x]);
    });
    it.each([1, 0.5, 2])('HuberLoss delta %s', (delta) => {
      const x = uniform([4, 2], -2, 2, true);
      const y = offsetTarget(x);
      gradcheck(() => huberLoss(x, y, { reduction, delta }), [x]);
    });
    it('SoftMarginLoss', () => {
      const x = uniform([3, 4], -3, 3, true);
      const y = new Tensor(
        x.data.map((_, i) => (i % 3 === 0 ? 1 : -1)),
        x.shape,
      );
      gradcheck(() => softMarginLoss(x, y, { reduction }), [x]);
    });
    it('PoissonNLLLoss log_input, full', () => {
      const x = uniform([3, 4], -1, 1.5, true);
      const y = uniform([3, 4], 0, 4);
      gradcheck(() => poissonNllLoss(x, y, { reduction, full: true }), [x]);
    });
    it('PoissonNLLLoss rate input', () => {
      const x = uniform([3, 4], 0.5, 3, true);
      const y = uniform([3, 4], 0, 4);
      gradcheck(() => poissonNllLoss(x, y, { reduction, logInput: false, eps: 1e-8 }), [x]);
    });
  });

  describe.each(reductions)('classification losses, reduction %s', (reduction) => {
    const weight = tensor([0.7, 1.9, 0.3, 1.1]);

    it('CrossEntropyLoss with class indices', () => {
      const x = uniform([5, 4], -3, 3, true);
      const y = labels([5], 4);
      gradcheck(() => crossEntropy(x, y, { reduction }), [x]);
    });
    it('CrossEntropyLoss with weight, ignore_index and label smoothing', () => {
      const x = uniform([6, 4], -3, 3, true);
      const y = labels([6], 4, -100);
      gradcheck(() => crossEntropy(x, y, { reduction, weight, labelSmoothing: 0.15 }), [x]);
    });
    it('CrossEntropyLoss with label smoothing and an ignored target, no weight', () => {
      const x = uniform([5, 3], -3, 3, true);
      const y = labels([5], 3, 2);
      gradcheck(() => crossEntropy(x, y, { reduction, ignoreIndex: 2, labelSmoothing: 0.3 }), [x]);
    });
    it('CrossEntropyLoss with class probabilities, weight and label smoothing', () => {
      const x = uniform([4, 4], -3, 3, true);
      const y = probabilities(4, 4);
      gradcheck(() => crossEntropy(x, y, { reduction, weight, labelSmoothing: 0.1 }), [x]);
    });
    it('CrossEntropyLoss on (N, C, d1, d2) with weight and ignore_index', () => {
      const x = uniform([2, 4, 3, 2], -3, 3, true);
      const y = labels([2, 3, 2], 4, -100);
      gradcheck(() => crossEntropy(x, y, { reduction, weight, labelSmoothing: 0.05 }), [x]);
    });
    it('CrossEntropyLoss unbatched (C)', () => {
      const x = uniform([4], -3, 3, true);
      gradcheck(() => crossEntropy(x, tensor(2), { reduction, weight }), [x]);
    });
    it('NLLLoss with weight and ignore_index', () => {
      const x = uniform([5, 4], -4, -0.1, true);
      const y = labels([5], 4, -100);
      gradcheck(() => nllLoss(x, y, { reduction, weight }), [x]);
    });
    it('NLLLoss on (N, C, d)', () => {
      const x = uniform([2, 3, 4], -4, -0.1, true);
      const y = labels([2, 4], 3);
      gradcheck(() => nllLoss(x, y, { reduction }), [x]);
    });
    it('BCELoss with a broadcast weight', () => {
      const x = uniform([4, 3], 0.1, 0.9, true);
      const y = uniform([4, 3], 0, 1);
      gradcheck(() => binaryCrossEntropy(x, y, { reduction, weight: tensor([0.5, 1.5, 1]) }), [x], 2e-3);
    });
    it('BCEWithLogitsLoss with weight and pos_weight', () => {
      const x = uniform([4, 3], -6, 6, true);
      const y = uniform([4, 3], 0, 1);
      const weight3 = tensor([[0.5, 1.5, 1]]);
      const posWeight = tensor([2, 0.5, 1.3]);
      gradcheck(() => binaryCrossEntropyWithLogits(x, y, { reduction, weight: weight3, posWeight }), [x]);
    });
    it('MultiLabelSoftMarginLoss with weight', () => {
      const x = uniform([4, 3], -3, 3, true);
      const y = new Tensor(
        x.data.map((_, i) => (i % 2 === 0 ? 1 : 0)),
        x.shape,
      );
      gradcheck(() => multilabelSoftMarginLoss(x, y, { reduction, weight: tensor([0.5, 2, 1]) }), [x]);
    });
  });

  describe.each([...reductions, 'batchmean'] as const)('KLDivLoss, reduction %s', (reduction) => {
    it('with probability targets (one of them 0)', () => {
      const x = uniform([3, 4], -3, -0.2, true);
      const y = probabilities(3, 4);
      y.data[5] = 0;
      gradcheck(() => klDiv(x, y, { reduction }), [x]);
    });
    it('with log-probability targets', () => {
      const x = uniform([3, 4], -3, -0.2, true);
      const y = uniform([3, 4], -3, -0.2);
      gradcheck(() => klDiv(x, y, { reduction, logTarget: true }), [x]);
    });
  });

  describe.each(reductions)('GaussianNLLLoss, reduction %s: input and var', (reduction) => {
    it.each([
      ['the input shape', [4, 3]],
      ['a last dimension of 1', [4, 1]],
      ['no last dimension', [4]],
    ])('var of %s', (_what, varShape) => {
      const x = uniform([4, 3], -2, 2, true);
      const y = uniform([4, 3], -2, 2);
      const v = uniform(varShape, 0.3, 2, true);
      gradcheck(() => gaussianNllLoss(x, y, v, { reduction, full: true }), [x, v]);
    });
  });
});
