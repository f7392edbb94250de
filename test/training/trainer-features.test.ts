import { describe, expect, it } from 'vitest';
import { buildModel } from '../../src/engine/nn/registry.js';
import { Generator } from '../../src/engine/random.js';
import { tensor } from '../../src/engine/tensor.js';
import type { TrainerCheckpoint } from '../../src/training/checkpoint.js';
import { checkRunData, prepareData, toTensors } from '../../src/training/data.js';
import { TimeoutError } from '../../src/training/errors.js';
import { fitStandard } from '../../src/training/normalize.js';
import { predict } from '../../src/training/predict.js';
import type { StepProgress } from '../../src/training/results.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { splitIndices } from '../../src/training/split.js';
import { Trainer, train } from '../../src/training/trainer.js';

function classification(n: number, seed: number) {
  const g = new Generator(seed);
  const x = Array.from({ length: n }, () => [g.normal() * 3 + 10, g.normal(), g.normal()]);
  const y: number[] = x.map((r) => (r[1] + r[2] > 0 ? 1 : 0));
  return { x, y };
}

const spec = (training: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseRunSpec({
    model: {
      layers: [
        { type: 'Linear', in_features: 3, out_features: 8 },
        { type: 'BatchNorm1d', num_features: 8 },
        { type: 'ReLU' },
        { type: 'Dropout', p: 0.2 },
        { type: 'Linear', in_features: 8, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.02 },
    scheduler: { type: 'CosineAnnealingLR', T_max: 10 },
    training: { epochs: 10, batch_size: 16, seed: 5, ...training },
    ...extra,
  });

const hex = (state: Record<string, { data: Float32Array }>) =>
  Object.entries(state)
    .map(
      ([k, t]) => `${k}=${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`,
    )
    .join(';');

describe('checkpoint and resume', () => {
  it('a run resumed from any epoch ends bitwise identical to an uninterrupted run', async () => {
    const s = spec({ validation_split: 0.25, normalize: 'standard', early_stopping: { patience: 50 } });
    const raw = classification(90, 1);
    const data = () => prepareData(s, toTensors(s, raw));
    const checkpoints: TrainerCheckpoint[] = [];
    const full = await train(s, data(), { onCheckpoint: (c) => void checkpoints.push(structuredClone(c)) });
    expect(checkpoints).toHaveLength(10);
    for (const at of [1, 4, 9]) {
      // A fresh trainer (as on another worker) restored from a checkpoint that went through JSON-like cloning.
      const resumed = await train(s, data(), { resumeFrom: checkpoints[at - 1] });
      expect(hex(resumed.stateDict)).toBe(hex(full.stateDict));
      expect(resumed.history.map((m) => m.loss)).toEqual(full.history.map((m) => m.loss));
      expect(resumed.history.map((m) => m.epoch)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    }
  });

  it('fails with TimeoutError past max_runtime_s, counting time before a resume', async () => {
    const s = spec({ epochs: 3, max_runtime_s: 0.001 });
    const trainer = new Trainer(s, toTensors(s, classification(64, 2)));
    const cp = trainer.checkpoint();
    cp.elapsedMs = 10; // already used 10 ms of a 1 ms budget
    trainer.restore(cp);
    const err = await trainer.run().catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('timeout');
  });
});

describe('validation split', () => {
  it('is deterministic for a seed, disjoint, complete and stratified', () => {
    const classes = Array.from({ length: 100 }, (_, i) => (i < 80 ? 0 : 1));
    const a = splitIndices(100, 0.2, 7, classes);
    const b = splitIndices(100, 0.2, 7, classes);
    expect(Array.from(a.validation)).toEqual(Array.from(b.validation));
    expect(Array.from(splitIndices(100, 0.2, 8, classes).validation)).not.toEqual(Array.from(a.validation));
    expect(new Set([...a.train, ...a.validation]).size).toBe(100);
    expect(a.validation.length).toBe(20);
    expect(Array.from(a.validation).filter((i) => classes[i] === 1)).toHaveLength(4); // 20 % of each class
  });

  it('reports val metrics that match an independent evaluation of the final weights', async () => {
    const s = spec({ validation_split: 0.3, epochs: 6 });
    const prepared = prepareData(s, toTensors(s, classification(100, 3)));
    const result = await train(s, prepared);
    const last = result.history[5];
    expect(last.val_loss).toBeDefined();
    expect(last.val_accuracy).toBeDefined();
    expect(
      Object.keys(last)
        .filter((k) => k.startsWith('val_'))
        .sort(),
    ).toEqual(['val_accuracy', 'val_loss']);
    // Independent path: predict() in eval mode, then accuracy and cross-entropy by hand.
    const val = prepared.validation!;
    const out = predict(s, result.stateDict, val.x.toArray());
    const logits = out.outputs as number[][];
    const labels = Array.from(val.y.data);
    const acc = labels.filter((l, i) => (out.predictions as number[])[i] === l).length / labels.length;
    const ce =
      logits.reduce((sum, row, i) => {
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s2, v) => s2 + Math.exp(v - m), 0));
        return sum + lse - row[labels[i]];
      }, 0) / labels.length;
    expect(last.val_accuracy).toBeCloseTo(acc, 10);
    expect(last.val_loss).toBeCloseTo(ce, 5);
    expect(result.evaluation?.validation?.accuracy).toBeCloseTo(acc, 10);
    const cm = result.evaluation!.validation!.confusion_matrix!;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(labels.length);
    expect((cm[0][0] + cm[1][1]) / labels.length).toBeCloseTo(acc, 10);
  });

  it('reports MAE, RMSE and R² for regression against a hand computation', async () => {
    const g = new Generator(4);
    const x = Array.from({ length: 60 }, () => [g.normal(), g.normal()]);
    const y = x.map(([a, b]) => 3 * a - b + 0.1 * g.normal());
    const s = parseRunSpec({
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 1 }] },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 30, batch_size: 10, seed: 1, validation_split: 0.25 },
    });
    const prepared = prepareData(s, toTensors(s, { x, y }));
    const result = await train(s, prepared);
    const val = prepared.validation!;
    const preds = (predict(s, result.stateDict, val.x.toArray()).outputs as number[][]).map((r) => r[0]);
    const ys = Array.from(val.y.data);
    const mae = preds.reduce((s2, p, i) => s2 + Math.abs(p - ys[i]), 0) / ys.length;
    const mse = preds.reduce((s2, p, i) => s2 + (p - ys[i]) ** 2, 0) / ys.length;
    const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
    const r2 = 1 - (mse * ys.length) / ys.reduce((s2, v) => s2 + (v - mean) ** 2, 0);
    const ev = result.evaluation!.validation!;
    expect(ev.mae).toBeCloseTo(mae, 5);
    expect(ev.rmse).toBeCloseTo(Math.sqrt(mse), 5);
    expect(ev.r2).toBeCloseTo(r2, 5);
    expect(ev.r2).toBeGreaterThan(0.95);
    expect(result.history.at(-1)?.val_rmse).toBeCloseTo(Math.sqrt(mse), 5);
  });
});

describe('normalisation', () => {
  it('uses training-split statistics only, and predict applies them', async () => {
    const s = spec({ validation_split: 0.2, normalize: 'standard', epochs: 3 });
    const tensors = toTensors(s, classification(50, 6));
    const prepared = prepareData(s, tensors);
    const split = splitIndices(50, 0.2, 5, tensors.y.data);
    const trainRows = Array.from(split.train, (i) => classification(50, 6).x[i]);
    const expected = fitStandard(tensor(trainRows));
    expect(prepared.normalization!.mean).toEqual(expected.mean);
    expect(prepared.normalization!.std).toEqual(expected.std);
    const result = await train(s, prepared);
    const raw = [classification(50, 6).x[0]];
    const withNorm = predict(s, result.stateDict, raw, { normalization: result.normalization });
    const manual = raw.map((r) => r.map((v, j) => (v - expected.mean[j]) / expected.std[j]));
    expect(withNorm.outputs).toEqual(predict(s, result.stateDict, manual).outputs);
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', async () => {
    // lr so high that validation loss gets worse after the first epochs.
    const s = spec(
      {
        epochs: 40,
        validation_split: 0.3,
        early_stopping: { monitor: 'val_loss', patience: 3, restore_best: true },
      },
      { optimizer: { type: 'SGD', lr: 2.5 }, scheduler: undefined },
    );
    const prepared = prepareData(s, toTensors(s, classification(80, 7)));
    const result = await train(s, prepared);
    expect(result.stopReason).toBe('early_stopping');
    const losses = result.history.map((m) => m.val_loss!);
    const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
    expect(result.bestEpoch).toBe(bestEpoch);
    expect(result.history).toHaveLength(bestEpoch + 3);
    // The final evaluation is of the restored best weights: its val loss is the best epoch's.
    expect(result.evaluation!.validation!.loss).toBeCloseTo(losses[bestEpoch - 1], 5);
  });

  it('needs validation data to monitor val_loss', () => {
    const s = spec({ early_stopping: { monitor: 'val_loss' } });
    expect(() => new Trainer(s, toTensors(s, classification(20, 1)))).toThrow(/needs validation data/);
  });
});

describe('progress', () => {
  it('reports steps within an epoch, throttled', async () => {
    const s = spec(
      { epochs: 1, batch_size: 1, validation_split: undefined },
      { model: { layers: [{ type: 'Linear', in_features: 3, out_features: 2 }] } },
    );
    const events: StepProgress[] = [];
    await train(s, toTensors(s, classification(400, 1)), {
      onProgress: (p) => events.push(p),
      progressEveryMs: 0,
    });
    expect(events.length).toBeGreaterThan(100);
    expect(events[0]).toMatchObject({ epoch: 1, step: 1, steps: 400 });
    const throttled: StepProgress[] = [];
    await train(s, toTensors(s, classification(400, 1)), {
      onProgress: (p) => throttled.push(p),
      progressEveryMs: 60_000,
    });
    expect(throttled).toHaveLength(0);
  });
});

it('builds models deterministically regardless of the data split', () => {
  const a = buildModel(spec({}).model, new Generator(5)).stateDict();
  const b = buildModel(spec({ validation_split: 0.5 }).model, new Generator(5)).stateDict();
  expect(hex(a)).toBe(hex(b));
});

describe('custom losses over JSON', () => {
  const g = new Generator(11);
  const x = Array.from({ length: 48 }, () => [g.normal(), g.normal()]);

  it('trains a regression with an expression and an L2 penalty on the weights', async () => {
    const y = x.map(([a, b]) => a - 2 * b);
    const s = parseRunSpec({
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 1 }] },
      loss: { type: 'Custom', expression: 'mean((input - target)^2) + 0.001 * l2(params)' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 40, batch_size: 12, seed: 2 },
    });
    const result = await train(s, toTensors(s, { x, y }));
    const w = Array.from(result.stateDict['0.weight'].data);
    expect(w[0]).toBeCloseTo(1, 1);
    expect(w[1]).toBeCloseTo(-2, 1);
    expect(result.history.at(-1)!.loss).toBeLessThan(0.05);
  });

  it('a weighted Sum of built-in losses reports accuracy like its terms and checks class targets', async () => {
    const y = x.map(([a]) => (a > 0 ? 1 : 0));
    const s = parseRunSpec({
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 2 }] },
      loss: {
        type: 'Sum',
        terms: [
          { weight: 0.7, loss: { type: 'CrossEntropyLoss' } },
          {
            weight: 0.3,
            loss: { type: 'Custom', expression: 'cross_entropy(input, target, label_smoothing=0.1)' },
          },
        ],
      },
      optimizer: { type: 'Adam', lr: 0.05 },
      training: { epochs: 20, batch_size: 16, seed: 2 },
    });
    const result = await train(s, toTensors(s, { x, y }));
    expect(result.history.at(-1)!.accuracy).toBeGreaterThan(0.9);
    const bad = checkRunData(s, { x, y: y.map((v) => v + 1) });
    expect(bad[0].message).toMatch(/is not a class index/);
  });

  it('rejects a bad expression at validation with its position', () => {
    expect(() =>
      parseRunSpec({
        model: { layers: [{ type: 'Linear', in_features: 2, out_features: 1 }] },
        loss: { type: 'Custom', expression: 'meen((input - target)^2)' },
        optimizer: { type: 'SGD', lr: 0.1 },
        training: { epochs: 1, batch_size: 1 },
      }),
    ).toThrow(/unknown function 'meen' at column 1/);
  });
});
