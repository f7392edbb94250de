import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/engine/errors.js';
import { parseRunSpec } from '../../src/training/spec.js';

const valid = {
  model: { layers: [{ type: 'Linear', in_features: 10, out_features: 2 }] },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  training: { epochs: 5, batch_size: 16 },
};

function issuesOf(value: unknown): string[] {
  try {
    parseRunSpec(value);
  } catch (err) {
    if (err instanceof SpecError) return err.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('parseRunSpec', () => {
  it('applies PyTorch defaults', () => {
    const spec = parseRunSpec({ ...valid, optimizer: { type: 'AdamW' } });
    expect(spec.optimizer).toMatchObject({
      type: 'AdamW',
      lr: 0.001,
      weight_decay: 0.01,
      betas: [0.9, 0.999],
    });
    expect(spec.training).toMatchObject({ shuffle: true, seed: 0 });
    expect(spec.loss).toMatchObject({ reduction: 'mean', ignore_index: -100, label_smoothing: 0 });
  });

  it('reports every bad field at once, each with its full path', () => {
    const issues = issuesOf({
      model: { layers: [{ type: 'Linear', in_features: -1, out_features: 2 }] },
      loss: { type: 'CrossEntropyLos' },
      optimizer: { type: 'Adam', lr: -1, betas: [1.5, 0.9], weight_decai: 0 },
      scheduler: { type: 'StepLR' },
      training: { epochs: 0, batch_size: 16, seed: 'x' },
    });
    expect(issues.map((i) => i.split(':')[0])).toEqual([
      'model.layers.0.in_features',
      'loss.type',
      'optimizer.weight_decai',
      'optimizer.lr',
      'optimizer.betas.0',
      'scheduler.step_size',
      'training.epochs',
      'training.seed',
    ]);
    expect(issues[1]).toMatch(/unknown loss type 'CrossEntropyLos'; expected one of .*CrossEntropyLoss/);
  });

  it('uses PyTorch wording for out-of-range hyperparameters', () => {
    expect(issuesOf({ ...valid, optimizer: { type: 'SGD', lr: -1 } })).toEqual([
      'optimizer.lr: Invalid learning rate: -1',
    ]);
    expect(issuesOf({ ...valid, optimizer: { type: 'Adam', betas: [1.5, 0.9] } })).toEqual([
      'optimizer.betas.0: Invalid beta parameter at index 0: 1.5',
    ]);
  });

  it("refuses reduction 'none', which gives no single value to train on", () => {
    expect(issuesOf({ ...valid, loss: { type: 'MSELoss', reduction: 'none' } })).toEqual([
      "loss.reduction: reduction 'none' gives one loss per element, but training needs a single value: use 'mean' or 'sum'",
    ]);
  });

  it('names missing parts and rejects non-objects', () => {
    expect(issuesOf({ model: valid.model })).toEqual([
      'loss: loss is required',
      'optimizer: optimizer is required',
      'training: training is required',
    ]);
    expect(() => parseRunSpec([1])).toThrow(SpecError);
  });

  it('refuses a OneCycleLR shorter than the run, since it steps once per epoch', () => {
    const scheduler = { type: 'OneCycleLR', max_lr: 0.1, total_steps: 3 };
    expect(issuesOf({ ...valid, scheduler })[0]).toMatch(
      /^scheduler.total_steps: OneCycleLR .* needs at least 5 total steps/,
    );
    expect(issuesOf({ ...valid, scheduler: { ...scheduler, total_steps: 5 } })).toEqual([]);
  });
});
