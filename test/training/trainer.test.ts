import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/engine/random.js';
import { checkRunData, packData, toTensors } from '../../src/training/data.js';
import { DivergedError } from '../../src/training/errors.js';
import { predict } from '../../src/training/predict.js';
import type { EpochMetrics } from '../../src/training/results.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { train } from '../../src/training/trainer.js';

function dataset(n: number, features: number, seed: number) {
  const g = new Generator(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: features }, () => g.normal()));
  // A learnable rule: class 1 when the first two features sum to more than 0.
  const y: number[] = x.map((row) => (row[0] + row[1] > 0 ? 1 : 0));
  return { x, y };
}

const baseSpec = {
  model: {
    layers: [
      { type: 'Linear', in_features: 4, out_features: 16 },
      { type: 'ReLU' },
      { type: 'Dropout', p: 0.1 },
      { type: 'Linear', in_features: 16, out_features: 2 },
    ],
  },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  scheduler: { type: 'StepLR', step_size: 5, gamma: 0.5 },
  training: { epochs: 12, batch_size: 16, shuffle: true, seed: 7, grad_clip: { max_norm: 1.0 } },
};

async function run(specJson: unknown, data = dataset(96, 4, 1)) {
  const spec = parseRunSpec(specJson);
  const history: EpochMetrics[] = [];
  const result = await train(spec, toTensors(spec, data), { onEpoch: (m) => void history.push(m) });
  return { result, history };
}

function bytes(state: Record<string, { data: Float32Array }>): string {
  return Object.entries(state)
    .map(
      ([k, t]) => `${k}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`,
    )
    .join('|');
}

describe('train', () => {
  it('is bitwise deterministic for a seed (init, shuffling and dropout) and differs across seeds', async () => {
    const a = await run(baseSpec);
    const b = await run(baseSpec);
    expect(bytes(a.result.stateDict)).toBe(bytes(b.result.stateDict));
    expect(a.history.map((m) => m.loss)).toEqual(b.history.map((m) => m.loss));
    const c = await run({ ...baseSpec, training: { ...baseSpec.training, seed: 8 } });
    expect(bytes(c.result.stateDict)).not.toBe(bytes(a.result.stateDict));
  });

  it('reports per-epoch metrics, learns, and steps the scheduler once per epoch', async () => {
    const { result, history } = await run(baseSpec);
    expect(result.status).toBe('completed');
    expect(history).toHaveLength(12);
    expect(history.map((m) => m.epoch)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(history[0].lr).toBe(0.01);
    expect(history[5].lr).toBeCloseTo(0.005, 12);
    expect(history[10].lr).toBeCloseTo(0.0025, 12);
    expect(history[11].loss).toBeLessThan(history[0].loss * 0.7);
    expect(history[11].accuracy).toBeGreaterThan(0.85);
    for (const m of history) {
      expect(m.epochs).toBe(12);
      expect(m.duration_ms).toBeGreaterThanOrEqual(0);
      expect(m.samples_per_sec).toBeGreaterThan(0);
    }
  });

  it('reports the epoch loss as the sample-weighted mean of step losses (last partial batch kept)', async () => {
    const spec = parseRunSpec({
      ...baseSpec,
      scheduler: undefined,
      training: { epochs: 1, batch_size: 40, shuffle: false, seed: 1 },
    });
    const steps: number[] = [];
    const history: EpochMetrics[] = [];
    await train(spec, toTensors(spec, dataset(100, 4, 2)), {
      onStep: (l) => steps.push(l),
      onEpoch: (m) => void history.push(m),
    });
    expect(steps).toHaveLength(3); // 40 + 40 + 20
    expect(history[0].loss).toBeCloseTo((40 * steps[0] + 40 * steps[1] + 20 * steps[2]) / 100, 10);
  });

  it('stops between steps when aborted', async () => {
    const spec = parseRunSpec({ ...baseSpec, training: { ...baseSpec.training, epochs: 1000 } });
    const controller = new AbortController();
    const history: EpochMetrics[] = [];
    const result = await train(spec, toTensors(spec, dataset(96, 4, 1)), {
      signal: controller.signal,
      yieldEveryMs: 1,
      onEpoch: (m) => {
        history.push(m);
        if (m.epoch === 3) controller.abort();
      },
    });
    expect(result.status).toBe('aborted');
    expect(history).toHaveLength(3);
  });

  it('fails with DivergedError when the loss becomes non-finite', async () => {
    const spec = parseRunSpec({
      model: { layers: [{ type: 'Linear', in_features: 4, out_features: 1 }] },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 1e6 },
      training: { epochs: 50, batch_size: 8, seed: 3 },
    });
    const data = dataset(32, 4, 3);
    const err = await train(spec, toTensors(spec, { x: data.x, y: data.y.map((v) => v * 100) })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(DivergedError);
    expect(err.code).toBe('diverged');
    expect(err.epoch).toBeGreaterThanOrEqual(1);
  });
});

describe('checkRunData', () => {
  const spec = parseRunSpec(baseSpec);

  it('accepts consistent data', () => {
    expect(checkRunData(spec, dataset(10, 4, 1))).toEqual([]);
  });

  it('names the width mismatch, bad class indices, length mismatch and ragged rows', () => {
    const wide = dataset(10, 5, 1);
    expect(checkRunData(spec, wide).map((i) => i.path.join('.'))).toEqual(['model.layers.0.in_features']);
    const badClass = dataset(10, 4, 1);
    badClass.y[3] = 2;
    badClass.y[4] = 0.5;
    const issues = checkRunData(spec, badClass);
    expect(issues.map((i) => i.path.join('.'))).toEqual(['data.y.3', 'data.y.4']);
    expect(issues[0].message).toMatch(/2 is not a class index: the model has 2 output classes/);
    const short = dataset(10, 4, 1);
    short.y.pop();
    expect(checkRunData(spec, short)[0].message).toMatch(/y has 9 entries but x has 10 samples/);
    expect(
      checkRunData(spec, {
        x: [
          [1, 2, 3, 4],
          [1, 2],
        ],
        y: [0, 1],
      })[0],
    ).toEqual({ path: ['data', 'x', 1], message: 'expected 4 values like data.x[0], got 2' });
  });

  it('names the first non-finite or out-of-float32 value of x and of y by its indices', () => {
    const data = dataset(10, 4, 1);
    data.x[6][2] = Number.NaN;
    data.x[8][0] = 1e39; // after the first: not reported
    data.y[7] = Number.POSITIVE_INFINITY;
    const issues = checkRunData(spec, data);
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['data.x.6.2', 'must be a finite float32 number'],
      ['data.y.7', 'must be a finite float32 number'],
    ]);
  });

  it('checks packed x (float32 bytes, as jobs store it) like arrays, and converts it to the same tensors', () => {
    const data = dataset(10, 4, 1);
    const packed = packData(data);
    expect(packed.x_shape).toEqual([10, 4]);
    expect(checkRunData(spec, packed)).toEqual([]);
    const fromArrays = toTensors(spec, data);
    const fromPacked = toTensors(spec, packed);
    expect(fromPacked.x.shape).toEqual([10, 4]);
    expect(Array.from(fromPacked.x.data)).toEqual(data.x.flat().map(Math.fround));
    expect(fromPacked.y.data).toEqual(fromArrays.y.data);
    // A value the bytes cannot hold as a finite float32, named by its row and column.
    const bad = { ...data, x: data.x.map((row) => [...row]) };
    bad.x[6][2] = 1e39;
    expect(checkRunData(spec, packData(bad))).toEqual([
      { path: ['data', 'x', 6, 2], message: 'must be a finite float32 number' },
    ]);
    // Bytes that do not match the shape, and targets that do not match the samples.
    expect(checkRunData(spec, { ...packed, x_shape: [10, 5] }).map((i) => i.path.join('.'))).toEqual([
      'data.x',
    ]);
    expect(checkRunData(spec, { ...packed, y: data.y.slice(1) })[0].message).toMatch(
      /y has 9 entries but x has 10 samples/,
    );
  });

  it('packs (N, C, L) x with its shape, and names a non-finite packed value by every index', () => {
    const conv = parseRunSpec({
      ...baseSpec,
      model: { layers: [{ type: 'Flatten' }, { type: 'Linear', in_features: 6, out_features: 2 }] },
    });
    const x = Array.from({ length: 4 }, (_, i) => [
      [i, 1, 2],
      [3, 4, i / 2],
    ]);
    const packed = packData({ x, y: [0, 1, 0, 1] });
    expect(packed.x_shape).toEqual([4, 2, 3]);
    expect(checkRunData(conv, packed)).toEqual([]);
    expect(toTensors(conv, packed).x.shape).toEqual([4, 2, 3]);
    const bytes = Buffer.from(packed.x_float32, 'base64');
    const values = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    values[2 * 6 + 3 + 2] = Number.NaN;
    const bad = { ...packed, x_float32: Buffer.from(values.buffer).toString('base64') };
    expect(checkRunData(conv, bad).map((i) => i.path.join('.'))).toEqual(['data.x.2.1.2']);
  });

  it('takes a 1-D regression target as a column for a one-output model', async () => {
    const reg = parseRunSpec({
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 1 }] },
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 200, batch_size: 4, seed: 1 },
    });
    const x = [
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 1],
      [0, 0],
      [3, 2],
    ];
    const y = x.map(([a, b]) => 2 * a - b + 0.5);
    expect(checkRunData(reg, { x, y })).toEqual([]);
    const { y: yt } = toTensors(reg, { x, y });
    expect(yt.shape).toEqual([6, 1]);
    const result = await train(reg, toTensors(reg, { x, y }));
    const out = predict(reg, result.stateDict, [[4, 1]]);
    expect((out.outputs[0] as number[])[0]).toBeCloseTo(2 * 4 - 1 + 0.5, 2);
    expect(out.predictions).toBeUndefined();
  });

  it('refuses batches of one with BatchNorm1d', () => {
    const bn = parseRunSpec({
      ...baseSpec,
      model: {
        layers: [
          { type: 'Linear', in_features: 4, out_features: 3 },
          { type: 'BatchNorm1d', num_features: 3 },
          { type: 'Linear', in_features: 3, out_features: 2 },
        ],
      },
      training: { epochs: 1, batch_size: 3 },
    });
    expect(checkRunData(bn, dataset(10, 4, 1))[0].path).toEqual(['training', 'batch_size']);
  });
});

describe('predict', () => {
  it('gives class predictions in eval mode (dropout off)', async () => {
    const { result } = await run(baseSpec);
    const spec = parseRunSpec(baseSpec);
    const probe = [
      [2, 2, 0, 0],
      [-2, -2, 0, 0],
    ];
    const a = predict(spec, result.stateDict, probe);
    const b = predict(spec, result.stateDict, probe);
    expect(a).toEqual(b); // no dropout randomness in eval mode
    expect(a.predictions).toEqual([1, 0]);
  });
});
