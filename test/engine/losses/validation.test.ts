/** Validation messages: PyTorch's wording, the loss's name, the offending value and shapes. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import {
  BCEWithLogitsLoss,
  binaryCrossEntropy,
  CrossEntropyLoss,
  crossEntropy,
  gaussianNllLoss,
  HuberLoss,
  KLDivLoss,
  klDiv,
  MSELoss,
  mseLoss,
  multilabelSoftMarginLoss,
  nllLoss,
  type Reduction,
  SmoothL1Loss,
} from '../../../src/engine/losses/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const logits = tensor([
  [0.1, 0.2, 0.3],
  [1, 0, -1],
]);

function specError(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error('expected a SpecError');
}

describe('reduction', () => {
  it("rejects unknown values with PyTorch's wording, from functions and classes", () => {
    const bad = 'foo' as Reduction;
    expect(() => mseLoss(logits, logits, { reduction: bad })).toThrow(
      'foo is not a valid value for reduction',
    );
    const err = specError(() => new MSELoss({ reduction: bad }));
    expect(err.issues).toEqual([{ path: ['reduction'], message: 'foo is not a valid value for reduction' }]);
    expect(() => crossEntropy(logits, tensor([0, 1]), { reduction: 'avg' as Reduction })).toThrow(
      'avg is not a valid value for reduction',
    );
  });

  it("accepts 'batchmean' only for KLDivLoss", () => {
    expect(() => new MSELoss({ reduction: 'batchmean' as Reduction })).toThrow(
      'batchmean is not a valid value for reduction',
    );
    expect(new KLDivLoss({ reduction: 'batchmean' }).reduction).toBe('batchmean');
    expect(() => klDiv(logits, logits, { reduction: 'foo' as 'sum' })).toThrow(
      'foo is not a valid value for reduction',
    );
  });
});

describe('hyperparameters', () => {
  it('SmoothL1Loss beta, HuberLoss delta, CrossEntropyLoss label_smoothing', () => {
    expect(specError(() => new SmoothL1Loss({ beta: -1 })).issues[0]).toEqual({
      path: ['beta'],
      message: 'smooth_l1_loss does not support negative values for beta.',
    });
    expect(specError(() => new HuberLoss({ delta: 0 })).issues[0]).toEqual({
      path: ['delta'],
      message: 'huber_loss does not support non-positive values for delta.',
    });
    expect(specError(() => new CrossEntropyLoss({ labelSmoothing: 1.5 })).issues[0]).toEqual({
      path: ['label_smoothing'],
      message: 'label_smoothing must be between 0.0 and 1.0. Got: 1.5',
    });
    expect(specError(() => new CrossEntropyLoss({ ignoreIndex: 0.5 })).issues[0].path).toEqual([
      'ignore_index',
    ]);
  });
});

describe('targets and shapes', () => {
  it('class indices out of range or not integers name the loss and the value', () => {
    expect(() => crossEntropy(logits, tensor([0, 5]))).toThrow(
      'CrossEntropyLoss: target 5 is out of bounds for 3 classes',
    );
    expect(() => crossEntropy(logits, tensor([-1, 0]))).toThrow(
      'CrossEntropyLoss: target -1 is out of bounds for 3 classes',
    );
    expect(() => nllLoss(logits, tensor([1.5, 0]))).toThrow(
      'NLLLoss: target 1.5 is not an integer class index',
    );
    expect(() => nllLoss(logits, tensor([3, 0]), { ignoreIndex: 3 })).not.toThrow();
  });

  it('class-target shape mismatches name both shapes', () => {
    expect(() => crossEntropy(logits, tensor([0, 1, 2]))).toThrow(
      'CrossEntropyLoss: input of shape [2, 3] needs a target of shape [2] (class indices) or [2, 3] (class probabilities), got [3]',
    );
    expect(() => nllLoss(logits, tensor([[0, 1, 2]]))).toThrow(
      'NLLLoss: input of shape [2, 3] needs a target of shape [2] (class indices), got [1, 3]',
    );
    expect(() => crossEntropy(tensor(1), tensor(0))).toThrow(
      'CrossEntropyLoss: input must have at least 1 dimension',
    );
  });

  it('class weights must have one entry per class', () => {
    expect(() => crossEntropy(logits, tensor([0, 1]), { weight: tensor([1, 2]) })).toThrow(
      'CrossEntropyLoss: weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: [2]',
    );
  });

  it('ignore_index is not supported with class probabilities', () => {
    expect(() =>
      crossEntropy(
        logits,
        tensor([
          [0, 0, 1],
          [1, 0, 0],
        ]),
        { ignoreIndex: 1 },
      ),
    ).toThrow('CrossEntropyLoss: ignore_index is not supported for floating point target');
  });

  it('elementwise losses name the loss and both shapes', () => {
    expect(() => mseLoss(logits, tensor([1, 2, 3]))).toThrow(
      'MSELoss: target shape [3] does not match input shape [2, 3]',
    );
    expect(() => new BCEWithLogitsLoss().forward(logits, tensor([[1, 0, 1]]))).toThrow(
      'BCEWithLogitsLoss: target shape [1, 3] does not match input shape [2, 3]',
    );
    expect(() => multilabelSoftMarginLoss(logits, tensor([1, 0]))).toThrow(
      'MultiLabelSoftMarginLoss: target shape [2]',
    );
  });

  it('weights that do not broadcast to the input name their shape', () => {
    const p = tensor([
      [0.1, 0.2, 0.3],
      [0.9, 0.5, 0.4],
    ]);
    expect(() => binaryCrossEntropy(p, p, { weight: tensor([1, 2]) })).toThrow(
      'BCELoss: weight of shape [2] cannot be broadcast to input shape [2, 3]',
    );
    expect(() => new BCEWithLogitsLoss({ posWeight: tensor([1, 2, 3, 4]) }).forward(p, p)).toThrow(
      'BCEWithLogitsLoss: pos_weight of shape [4] cannot be broadcast to input shape [2, 3]',
    );
  });

  it('BCELoss inputs must be probabilities', () => {
    expect(() => binaryCrossEntropy(tensor([0.5, 1.2]), tensor([0, 1]))).toThrow(
      'BCELoss: all elements of input should be between 0 and 1',
    );
  });

  it('GaussianNLLLoss var shapes and signs', () => {
    expect(() => gaussianNllLoss(logits, logits, tensor([1, 2, 3]))).toThrow(
      'GaussianNLLLoss: var is of incorrect size: [3] for input of shape [2, 3]',
    );
    expect(() => gaussianNllLoss(logits, logits, tensor([1, -2]))).toThrow(
      'GaussianNLLLoss: var has negative entry/entries',
    );
  });
});
