import { describe, expect, it } from 'vitest';
import { accuracy, buildLoss, countCorrect, hasClassIndexTargets } from '../../../src/engine/losses/index.js';
import { tensor } from '../../../src/engine/tensor.js';

describe('accuracy', () => {
  const logits = tensor([
    [2, 1, 0],
    [0, 3, 1],
    [1, 0, 4],
    [5, 0, 0],
  ]);

  it('multiclass: argmax over dim 1 against class indices, skipping ignore_index', () => {
    const ce = buildLoss({ type: 'CrossEntropyLoss' });
    expect(accuracy(ce, logits, tensor([0, 1, 0, 0]))).toBe(0.75);
    const ignoring = buildLoss({ type: 'NLLLoss', ignore_index: 2 });
    expect(countCorrect(ignoring, logits, tensor([0, 2, 2, 1]))).toEqual({ correct: 1, total: 2 });
  });

  it('multiclass: probability targets count their argmax as the label', () => {
    const ce = buildLoss({ type: 'CrossEntropyLoss' });
    const probs = tensor([
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
      [0, 0, 1],
      [0.5, 0.25, 0.25],
    ]);
    expect(accuracy(ce, logits, probs)).toBe(0.75);
  });

  it('multiclass: (N, C, d) and unbatched (C) inputs use the class dimension', () => {
    const ce = buildLoss({ type: 'CrossEntropyLoss' });
    // (1, 3, 2): position 0 argmax class 2, position 1 argmax class 0.
    const x = tensor([
      [
        [0, 9],
        [1, 0],
        [5, 1],
      ],
    ]);
    expect(accuracy(ce, x, tensor([[2, 1]]))).toBe(0.5);
    expect(accuracy(ce, tensor([0.1, 0.9, 0.3]), tensor(1))).toBe(1);
  });

  it('binary: 0.5 on probabilities (BCELoss), 0 on logits (BCEWithLogitsLoss)', () => {
    const y = tensor([1, 0, 1, 0]);
    expect(accuracy(buildLoss({ type: 'BCELoss' }), tensor([0.9, 0.6, 0.51, 0.2]), y)).toBe(0.75);
    expect(accuracy(buildLoss({ type: 'BCEWithLogitsLoss' }), tensor([2, -1, -0.5, -3]), y)).toBe(0.75);
  });

  it('binary: SoftMarginLoss compares signs with ±1 targets', () => {
    expect(
      accuracy(buildLoss({ type: 'SoftMarginLoss' }), tensor([0.3, -2, 1]), tensor([1, -1, -1])),
    ).toBeCloseTo(2 / 3);
  });

  it('multilabel: every label counts', () => {
    const loss = buildLoss({ type: 'MultiLabelSoftMarginLoss' });
    expect(loss.task).toBe('multilabel');
    const out = tensor([
      [1, -1, 2],
      [-1, -1, 1],
    ]);
    expect(
      countCorrect(
        loss,
        out,
        tensor([
          [1, 0, 0],
          [0, 0, 1],
        ]),
      ),
    ).toEqual({ correct: 5, total: 6 });
  });

  it('regression losses have no accuracy', () => {
    for (const type of [
      'MSELoss',
      'L1Loss',
      'SmoothL1Loss',
      'HuberLoss',
      'KLDivLoss',
      'PoissonNLLLoss',
      'GaussianNLLLoss',
    ]) {
      const loss = buildLoss({ type });
      expect(loss.task).toBe('regression');
      expect(accuracy(loss, tensor([1, 2]), tensor([1, 2]))).toBeNull();
    }
  });

  it('hasClassIndexTargets decides by shape, as PyTorch', () => {
    expect(hasClassIndexTargets([4, 3], [4])).toBe(true);
    expect(hasClassIndexTargets([4, 3], [4, 3])).toBe(false);
    expect(hasClassIndexTargets([2, 3, 5], [2, 5])).toBe(true);
    expect(hasClassIndexTargets([3], [])).toBe(true);
  });
});
