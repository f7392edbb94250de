import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../src/engine/errors.js';
import {
  buildLoss,
  CrossEntropyLoss,
  crossEntropy,
  lossRegistry,
  lossSpecSchema,
} from '../../../src/engine/losses/index.js';
import { tensor } from '../../../src/engine/tensor.js';

function issues(spec: unknown): SpecError['issues'] {
  try {
    buildLoss(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).issues;
  }
  throw new Error('expected a SpecError');
}

describe('lossRegistry and buildLoss', () => {
  it('builds every built-in loss from its type alone, with its metadata', () => {
    expect(Object.isFrozen(lossRegistry)).toBe(true);
    // Custom and Sum need an expression or terms; they are tested with the training loop.
    for (const type of Object.keys(lossRegistry).filter((t) => t !== 'Custom' && t !== 'Sum')) {
      const loss = buildLoss({ type });
      expect(loss.type).toBe(type);
      expect(loss.needsVar).toBe(type === 'GaussianNLLLoss');
    }
  });

  it("applies PyTorch's defaults", () => {
    const ce = buildLoss({ type: 'CrossEntropyLoss' }) as CrossEntropyLoss;
    expect(ce).toBeInstanceOf(CrossEntropyLoss);
    expect([ce.reduction, ce.ignoreIndex, ce.labelSmoothing, ce.weight]).toEqual(['mean', -100, 0, null]);
    expect(lossSpecSchema.parse({ type: 'SmoothL1Loss' })).toEqual({
      type: 'SmoothL1Loss',
      reduction: 'mean',
      beta: 1,
    });
    expect(lossSpecSchema.parse({ type: 'PoissonNLLLoss' })).toEqual({
      type: 'PoissonNLLLoss',
      log_input: true,
      full: false,
      eps: 1e-8,
      reduction: 'mean',
    });
    expect(lossSpecSchema.parse({ type: 'GaussianNLLLoss' })).toMatchObject({ full: false, eps: 1e-6 });
  });

  it('translates snake_case kwargs and tensor arrays', () => {
    const spec = {
      type: 'CrossEntropyLoss',
      weight: [0.5, 2, 1],
      ignore_index: 1,
      label_smoothing: 0.1,
      reduction: 'sum',
    };
    const x = tensor([
      [0.1, 0.2, 0.3],
      [1, 0, -1],
      [0, 2, 1],
    ]);
    const y = tensor([2, 1, 0]);
    const expected = crossEntropy(x, y, {
      weight: tensor([0.5, 2, 1]),
      ignoreIndex: 1,
      labelSmoothing: 0.1,
      reduction: 'sum',
    });
    expect(buildLoss(spec).forward(x, y).item()).toBe(expected.item());
    const bce = buildLoss({ type: 'BCEWithLogitsLoss', pos_weight: [2, 3], weight: null });
    expect(bce.forward(tensor([0, 0]), tensor([1, 1])).item()).toBeCloseTo(2.5 * Math.LN2, 6);
  });

  it('accepts parsed specs again (the training loop re-builds from parsed output)', () => {
    const parsed = lossSpecSchema.parse({ type: 'KLDivLoss', reduction: 'batchmean' });
    expect(buildLoss(parsed).type).toBe('KLDivLoss');
  });

  it('names the bad field', () => {
    expect(issues({ type: 'MSELoss', reduction: 'foo' })).toEqual([
      { path: ['reduction'], message: 'foo is not a valid value for reduction' },
    ]);
    expect(issues({ type: 'L1Loss', reduction: 'batchmean' })[0].message).toBe(
      'batchmean is not a valid value for reduction',
    );
    expect(issues({ type: 'HuberLoss', delta: -1 })).toEqual([
      { path: ['delta'], message: 'huber_loss does not support non-positive values for delta.' },
    ]);
    expect(issues({ type: 'SmoothL1Loss', beta: -0.5 })[0]).toEqual({
      path: ['beta'],
      message: 'smooth_l1_loss does not support negative values for beta.',
    });
    expect(issues({ type: 'CrossEntropyLoss', label_smoothing: 2 })[0].path).toEqual(['label_smoothing']);
    expect(issues({ type: 'CrossEntropyLoss', ignore_index: 1.5 })[0].path).toEqual(['ignore_index']);
    expect(issues({ type: 'NLLLoss', weight: [1, 'a'] })[0].path).toEqual(['weight', 1]);
    expect(issues({ type: 'BCEWithLogitsLoss', pos_weight: 3 })[0].path).toEqual(['pos_weight']);
    expect(issues({ type: 'KLDivLoss', log_target: 'yes' })[0].path).toEqual(['log_target']);
    expect(issues({ type: 'GaussianNLLLoss', eps: 0 })[0].path).toEqual(['eps']);
  });

  it('rejects unknown kwargs and unknown types', () => {
    expect(issues({ type: 'MSELoss', size_average: true })[0].message).toContain('size_average');
    const unknown = issues({ type: 'FocalLoss' });
    expect(unknown[0].path).toEqual(['type']);
    expect(unknown[0].message).toContain("unknown loss type 'FocalLoss'");
    expect(issues('MSELoss')[0].message).toContain('loss must be an object');
  });
});
