/**
 * Custom losses evaluated against values and gradients computed by hand (in doubles) or by the
 * engine's own loss functions, with explicit tolerances; the penalty terms over parameters;
 * runtime errors pointing at the failing call; and the analysis of what an expression uses.
 */
import { describe, expect, it } from 'vitest';
import { analyzeExpression, buildCustomLoss } from '../../../src/engine/custom-loss/index.js';
import { SpecError } from '../../../src/engine/errors.js';
import { crossEntropy, huberLoss, mseLoss } from '../../../src/engine/losses/index.js';
import { type Tensor, tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

const custom = (expression: string, parameters?: () => Tensor[]) =>
  buildCustomLoss({ type: 'Custom', expression }, { parameters });

/** Float32 values against doubles. */
function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])));
  }
}

const x = [
  [0.5, -1.25],
  [2.0, 0.75],
];
const y = [
  [1.0, -1.0],
  [0.5, 0.0],
];
const flat = (a: number[][]) => a.flat();

describe('custom loss values and gradients', () => {
  it('mean((input - target)^2) is the mean squared error, with gradient 2(x − t)/n', () => {
    const input = tensor(x, { requiresGrad: true });
    const out = custom('mean((input - target)^2)').forward(input, tensor(y));
    const d = flat(x).map((v, i) => v - flat(y)[i]);
    expect(out.shape).toEqual([]);
    expectClose([out.item()], [d.reduce((s, v) => s + v * v, 0) / 4]);
    out.backward();
    expectClose(
      input.grad?.data ?? [],
      d.map((v) => (2 * v) / 4),
    );
  });

  it('matches the built-in loss function it spells out', () => {
    const input = tensor(x);
    expectClose(
      [custom('mean((input - target)**2)').forward(input, tensor(y)).item()],
      [mseLoss(input, tensor(y)).item()],
    );
    expectClose(
      [custom('mse_loss(input, target)').forward(input, tensor(y)).item()],
      [mseLoss(input, tensor(y)).item()],
    );
  });

  it('respects precedence: -input^2 is -(input^2), 2^-1 is one half', () => {
    const out = custom('sum(-input^2) + 2^-1 * sum(input)').forward(tensor([1, -3]), tensor([0, 0]));
    expectClose([out.item()], [-(1 + 9) + 0.5 * (1 - 3)]);
  });

  it('mean(abs(input - target)) + 0.5 * sum(input^2): value and gradient sign(x − t)/n + x', () => {
    const input = tensor(x, { requiresGrad: true });
    const out = custom('mean(abs(input - target)) + 0.5 * sum(input^2)').forward(input, tensor(y));
    const xs = flat(x);
    const ys = flat(y);
    const value = xs.reduce((s, v, i) => s + Math.abs(v - ys[i]) / 4 + 0.5 * v * v, 0);
    expectClose([out.item()], [value]);
    out.backward();
    expectClose(
      input.grad?.data ?? [],
      xs.map((v, i) => Math.sign(v - ys[i]) / 4 + v),
    );
  });

  it('reductions over a dimension with keyword arguments', () => {
    const out = custom('sum(mean(input, dim=1) * max(target, 1)) + min(input) + logsumexp(input)').forward(
      tensor(x),
      tensor(y),
    );
    const rowMeans = x.map((r) => (r[0] + r[1]) / 2);
    const rowMax = y.map((r) => Math.max(...r));
    const xs = flat(x);
    const lse = Math.log(xs.reduce((s, v) => s + Math.exp(v), 0));
    expectClose([out.item()], [rowMeans[0] * rowMax[0] + rowMeans[1] * rowMax[1] + Math.min(...xs) + lse]);
  });

  it('keepdim keeps reduced dimensions for broadcasting', () => {
    const out = custom('sum(input - mean(input, dim=1, keepdim=True))').forward(tensor(x), tensor(y));
    expectClose([out.item()], [0]);
    const centred = custom('sum((input - max(input, keepdim=True))^2)').forward(
      tensor([1, 3]),
      tensor([0, 0]),
    );
    expectClose([centred.item()], [4]);
  });

  it('soft-target cross entropy written out equals cross_entropy with probability targets', () => {
    const logits = tensor(x, { requiresGrad: true });
    const probs = tensor([
      [0.25, 0.75],
      [0.9, 0.1],
    ]);
    const out = custom('-mean(sum(target * log_softmax(input, dim=1), dim=1))').forward(logits, probs);
    expectClose([out.item()], [crossEntropy(tensor(x), probs).item()]);
    out.backward();
    // d/dz = (softmax(z) − p) / batch
    const expected = x.flatMap((row, i) => {
      const e = row.map(Math.exp);
      const s = e[0] + e[1];
      return e.map((v, j) => (v / s - probs.data[i * 2 + j]) / 2);
    });
    expectClose(logits.grad?.data ?? [], expected);
  });

  it('where with a comparison picks per element (a hand-written Huber)', () => {
    const expression =
      'mean(where(lt(abs(input - target), 1), 0.5 * (input - target)^2, abs(input - target) - 0.5))';
    const input = tensor([0.2, 3.0, -2.5, 1.0]);
    const target = tensor([0.0, 0.5, 0.0, 1.25]);
    expectClose([custom(expression).forward(input, target).item()], [huberLoss(input, target).item()]);
  });

  it('elementwise functions with options', () => {
    const input = tensor([-2, -0.5, 0.5, 2]);
    const zero = tensor([0, 0, 0, 0]);
    const cases: [string, (v: number) => number][] = [
      ['sum(clamp(input, min=-1, max=1))', (v) => Math.min(Math.max(v, -1), 1)],
      ['sum(clamp(input, max=0))', (v) => Math.min(v, 0)],
      ['sum(leaky_relu(input, 0.2))', (v) => (v > 0 ? v : 0.2 * v)],
      ['sum(elu(input, alpha=2))', (v) => (v > 0 ? v : 2 * (Math.exp(v) - 1))],
      ['sum(softplus(input, beta=2))', (v) => Math.log1p(Math.exp(2 * v)) / 2],
      ['sum(maximum(input, 0) + minimum(input, -1))', (v) => Math.max(v, 0) + Math.min(v, -1)],
      ['sum(pow(abs(input), 1.5))', (v) => Math.abs(v) ** 1.5],
      ['sum(sigmoid(input) * tanh(input))', (v) => Math.tanh(v) / (1 + Math.exp(-v))],
      [
        'sum(sqrt(square(input)) + log1p(exp(input)) + sin(input) * cos(input))',
        (v) => Math.abs(v) + Math.log1p(Math.exp(v)) + Math.sin(v) * Math.cos(v),
      ],
    ];
    for (const [expression, f] of cases) {
      const expected = [-2, -0.5, 0.5, 2].reduce((s, v) => s + f(v), 0);
      expectClose([custom(expression).forward(input, zero).item()], [expected], 1e-5);
    }
  });

  it('passes finite-difference gradient checks on a composite expression', () => {
    const loss = custom(
      'mean(softplus(input) * target) + 0.3 * mean(log_softmax(input, 1)^2) + sum(sigmoid(input) / (1 + target^2))',
    );
    const target = randomTensor([3, 4], 2);
    const { maxError, worst } = gradcheck((input) => loss.forward(input, target), [randomTensor([3, 4], 1)]);
    expect(maxError, worst).toBe(0);
  });

  it('cross_entropy with keyword options equals the loss function', () => {
    const logits = randomTensor([4, 3], 3, -2, 2);
    const classes = tensor([0, 2, 1, 2]);
    const out = custom(
      "cross_entropy(input, target, label_smoothing=0.1, weight=[1, 2, 0.5], reduction='sum')",
    ).forward(logits, classes);
    const expected = crossEntropy(logits, classes, {
      labelSmoothing: 0.1,
      weight: tensor([1, 2, 0.5]),
      reduction: 'sum',
    });
    expectClose([out.item()], [expected.item()]);
  });
});

describe('custom loss: penalties over the parameters', () => {
  const w = () =>
    tensor(
      [
        [0.5, -1.5],
        [2, 0],
      ],
      { requiresGrad: true },
    );
  const b = () => tensor([-0.25, 3], { requiresGrad: true });
  const values = [0.5, -1.5, 2, 0, -0.25, 3];

  it('l2(params) is the sum of squares of every parameter, with gradient 2p', () => {
    const params = [w(), b()];
    const out = custom('0.01 * l2(params) + 0 * mean(input)', () => params).forward(tensor([1]), tensor([1]));
    expectClose([out.item()], [0.01 * values.reduce((s, v) => s + v * v, 0)]);
    out.backward();
    expectClose(
      [...(params[0].grad?.data ?? []), ...(params[1].grad?.data ?? [])],
      values.map((v) => 0.02 * v),
    );
  });

  it('l1(params) is the sum of absolute values, with gradient sign(p)', () => {
    const params = [w(), b()];
    const out = custom('l1(params)', () => params).forward(tensor([1]), tensor([1]));
    expectClose([out.item()], [values.reduce((s, v) => s + Math.abs(v), 0)]);
    out.backward();
    expectClose([...(params[0].grad?.data ?? []), ...(params[1].grad?.data ?? [])], values.map(Math.sign));
  });

  it('combines with a data term and asks for the parameters once per forward', () => {
    let calls = 0;
    const params = [b()];
    const loss = custom('mean((input - target)^2) + 0.1 * l2(params) + 0.1 * l1(params)', () => {
      calls++;
      return params;
    });
    const out = loss.forward(tensor([1, 2]), tensor([0, 0]));
    expectClose([out.item()], [(1 + 4) / 2 + 0.1 * (0.0625 + 9) + 0.1 * 3.25]);
    expect(calls).toBe(1);
  });

  it('l2 of a model without parameters is 0', () => {
    const out = custom('mean(input) + l2(params)', () => []).forward(tensor([2, 4]), tensor([0, 0]));
    expectClose([out.item()], [3]);
  });

  it('refuses params when no parameters are available', () => {
    expect(() => custom('mean(input) + l2(params)')).toThrow(SpecError);
    expect(() => custom('mean(input) + l2(params)')).toThrow(/no model parameters are available/);
  });
});

describe('custom loss: evaluation errors', () => {
  it('asks for a reduction when the result is not a single value', () => {
    expect(() =>
      custom('(input - target)^2').forward(
        tensor([
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ]),
        tensor([[0, 0]]),
      ),
    ).toThrow(
      'expression: the expression must reduce to a single value; got shape [4, 2] — wrap it in mean() or sum()',
    );
    expect(() => custom('sum(input, keepdim=True)').forward(tensor([1, 2]), tensor([0, 0]))).toThrow(
      /got shape \[1\]/,
    );
  });

  it('points an op failure at the failing operator or call', () => {
    const loss = custom('mean(input) + mean((input - target)^2)');
    expect(() => loss.forward(tensor([[1, 2, 3]]), tensor([1, 2]))).toThrow(
      /^expression: sub: .* at column 27\n/,
    );
    const mse = custom('mean(input) + mse_loss(input, target)');
    expect(() => mse.forward(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(
      /^expression: MSELoss: .* at column 15\n/,
    );
    const dim = custom('mean(softmax(input, dim=3))');
    expect(() => dim.forward(tensor([1, 2]), tensor([1, 2]))).toThrow(/dimension out of range.* at column 6/);
  });
});

describe('analyzeExpression', () => {
  it('lists the losses, functions and variables used and the kind of targets', () => {
    expect(analyzeExpression('cross_entropy(input, target) + 0.01 * l2(params)')).toEqual({
      losses: ['cross_entropy'],
      lossTypes: ['CrossEntropyLoss'],
      functions: ['cross_entropy', 'l2'],
      variables: ['input', 'target', 'params'],
      targetKind: 'class_index_or_probabilities',
      scalar: 'yes',
    });
    expect(
      analyzeExpression('nll_loss(log_softmax(input, 1), target) + 0.5 * cross_entropy(input, target)')
        .targetKind,
    ).toBe('class_index');
    const regression = analyzeExpression(
      'mean((input - target)^2) + mse_loss(input, target) + mse_loss(input, target)',
    );
    expect(regression.losses).toEqual(['mse_loss']);
    expect(regression.targetKind).toBe('float');
  });

  // Issue 18, item 6: the analysis tells a loss that keeps the batch dimension at submit time.
  it('tells whether the expression reduces to a scalar', () => {
    const cases: [string, 'yes' | 'no' | 'unknown'][] = [
      ['mean((input - target)^2) + 0.01 * l2(params)', 'yes'],
      ['-sum(log_softmax(input, 1) * target) / 4', 'yes'],
      ['max(input) - min(target)', 'yes'],
      ['(input - target)^2', 'no'],
      ['mse_loss(input, target, reduction="none")', 'no'],
      ['mean(input, dim=1)', 'unknown'],
      ['mean(input, dim=1, keepdim=True) + 1', 'no'],
      ['softmax(input, 1)', 'no'],
      ['exp(mean(input)) + where(gt(mean(input), 0), 1, 2)', 'yes'],
    ];
    for (const [expression, scalar] of cases)
      expect(analyzeExpression(expression).scalar, expression).toBe(scalar);
    // Where it says no, evaluating the loss fails (in the worker, before this check at submit).
    expect(() =>
      custom('mse_loss(input, target, reduction="none")').forward(tensor([[1, 2]]), tensor([[0, 0]])),
    ).toThrow(/single value/);
  });

  it('throws the positioned error for an invalid expression', () => {
    expect(() => analyzeExpression('cross_entropy(input, target')).toThrow(/at column 28/);
  });
});
