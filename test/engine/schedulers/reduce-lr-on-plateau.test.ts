import { describe, expect, it } from 'vitest';
import type { Optimizer } from '../../../src/engine/optim/optimizer.js';
import { SGD } from '../../../src/engine/optim/sgd.js';
import { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from '../../../src/engine/schedulers/index.js';
import { tensor } from '../../../src/engine/tensor.js';

const param = () => tensor([0], { requiresGrad: true });
const sgd = (lr: number): Optimizer => new SGD([param()], { lr });

/** The lr after each `step(metric)`. */
function lrsAfter(options: ReduceLROnPlateauOptions, metrics: number[], lr = 1): number[] {
  const opt = sgd(lr);
  const s = new ReduceLROnPlateau(opt, options);
  return metrics.map((m) => {
    s.step(m);
    return opt.paramGroups[0].lr;
  });
}

describe('ReduceLROnPlateau', () => {
  const metrics = [10, 9.5, 9.5, 8, 7.5, 7.3];

  it('mode min, relative threshold: improvement must beat best * (1 - threshold)', () => {
    const lrs = lrsAfter({ factor: 0.5, patience: 1, threshold: 0.1 }, metrics);
    // 9.5 is not < 9; two bad epochs > patience 1 → halve; 7.5 and 7.3 are not < 7.2 → halve again.
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('mode min, absolute threshold: improvement must beat best - threshold', () => {
    const lrs = lrsAfter({ factor: 0.5, patience: 1, threshold: 0.6, thresholdMode: 'abs' }, metrics);
    // 7.3 < 8 - 0.6, so the last epoch is an improvement.
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.5]);
  });

  it('mode max: higher is better', () => {
    const lrs = lrsAfter({ mode: 'max', factor: 0.1, patience: 1, threshold: 0 }, [1, 2, 2, 2, 3]);
    expect(lrs).toEqual([1, 1, 1, 0.1, 0.1]);
  });

  it('mode max, absolute threshold', () => {
    const lrs = lrsAfter(
      { mode: 'max', factor: 0.5, patience: 0, threshold: 1, thresholdMode: 'abs' },
      [1, 1.5, 3],
    );
    expect(lrs).toEqual([1, 0.5, 0.5]);
  });

  it('ignores bad epochs during cooldown', () => {
    const lrs = lrsAfter({ factor: 0.5, patience: 0, cooldown: 2 }, [5, 5, 5, 5, 5, 5, 5, 5]);
    expect(lrs).toEqual([1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]);
  });

  it('stops at min_lr and skips changes not larger than eps', () => {
    expect(lrsAfter({ factor: 0.1, patience: 0, minLr: 0.05 }, [5, 5, 5, 5])).toEqual([1, 0.1, 0.05, 0.05]);
    expect(lrsAfter({ factor: 0.5, patience: 0 }, [5, 5], 1e-8)).toEqual([1e-8, 1e-8]);
  });

  it('takes a per-group min_lr list and checks its length', () => {
    const opt = new SGD(
      [
        { params: [param()], lr: 1 },
        { params: [param()], lr: 1 },
      ],
      { lr: 1 },
    );
    const s = new ReduceLROnPlateau(opt, { factor: 0.1, patience: 0, minLr: [0.5, 0] });
    s.step(1);
    s.step(1);
    expect(s.getLastLr()).toEqual([0.5, 0.1]);
    expect(() => new ReduceLROnPlateau(sgd(1), { minLr: [0.1, 0.2] })).toThrow(
      'expected 1 values for min_lr, got 2',
    );
  });

  it('does not touch the lr on construction and needs the metric to step', () => {
    const opt = sgd(0.3);
    const s = new ReduceLROnPlateau(opt);
    expect(opt.paramGroups[0].lr).toBe(0.3);
    expect(s.getLastLr()).toEqual([0.3]);
    expect(s.needsMetric).toBe(true);
    expect(() => s.step()).toThrow('needs the monitored metric');
  });

  it('validates its kwargs in PyTorch wording', () => {
    expect(() => new ReduceLROnPlateau(sgd(1), { factor: 1 })).toThrow('Factor should be < 1.0.');
    expect(() => new ReduceLROnPlateau(sgd(1), { mode: 'avg' as 'min' })).toThrow('mode avg is unknown!');
    expect(() => new ReduceLROnPlateau(sgd(1), { thresholdMode: 'x' as 'rel' })).toThrow(
      'threshold mode x is unknown!',
    );
  });
});
