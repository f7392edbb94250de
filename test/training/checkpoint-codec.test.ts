import { describe, expect, it } from 'vitest';
import type { TrainerCheckpoint } from '../../src/training/checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/training/checkpoint-codec.js';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { Trainer, train } from '../../src/training/trainer.js';

const data = (n: number) => {
  const x = Array.from({ length: n }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), (i % 5) / 5]);
  return { x, y: x.map((r) => (r[0] + r[1] > 0 ? 1 : 0)) };
};

const spec = (training: Record<string, unknown> = {}) =>
  parseRunSpec({
    model: {
      layers: [
        { type: 'Linear', in_features: 3, out_features: 16 },
        { type: 'BatchNorm1d', num_features: 16 },
        { type: 'ReLU' },
        { type: 'Dropout', p: 0.1 },
        { type: 'Linear', in_features: 16, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'AdamW', lr: 0.02, amsgrad: true },
    scheduler: { type: 'ReduceLROnPlateau', patience: 1 },
    training: { epochs: 8, batch_size: 8, seed: 3, ...training },
  });

const bits = (state: Record<string, { data: Float32Array }>) =>
  Object.entries(state)
    .map(
      ([k, t]) => `${k}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`,
    )
    .join(';');

describe('checkpoint codec', () => {
  it('round-trips a checkpoint exactly, in binary, far smaller than JSON', async () => {
    const s = spec({ early_stopping: { monitor: 'loss', patience: 100 } });
    const checkpoints: TrainerCheckpoint[] = [];
    const { x, y } = data(64);
    await train(s, toTensors(s, { x, y }), { onCheckpoint: (c) => void checkpoints.push(c) });
    const cp = checkpoints[4];
    const bytes = encodeCheckpoint(cp);
    // Buffers from Redis are views at odd offsets: decode from one.
    const shifted = Buffer.alloc(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = decodeCheckpoint(shifted.subarray(3));
    expect(bits(back.model)).toBe(bits(cp.model));
    expect(back.optimizer).toEqual(cp.optimizer);
    expect(back.scheduler).toEqual(cp.scheduler);
    expect(back.generator).toEqual(cp.generator);
    expect(back.earlyStopping).toEqual(cp.earlyStopping);
    expect(back.history).toEqual(cp.history);
    expect(back.epoch).toBe(5);
    expect(bytes.length).toBeLessThan(JSON.stringify(cp).length / 2);
  });

  it('keeps NaN, ±Infinity and -0 exactly', () => {
    const cp = {
      epoch: 1,
      model: { w: { shape: [3], data: Float32Array.of(Number.NaN, -0, 1.5) } },
      optimizer: { state: {}, param_groups: [] },
      scheduler: { best: Infinity, worst: -Infinity, zero: -0, nan: Number.NaN, xs: [0.1, 0.2] },
      generator: [1, 2, 3, 4294967295],
      earlyStopping: null,
      best: null,
      history: [],
      elapsedMs: 12.345678901234,
    } as unknown as TrainerCheckpoint;
    const back = decodeCheckpoint(encodeCheckpoint(cp));
    expect(back.scheduler).toEqual(cp.scheduler);
    expect(Object.is((back.scheduler as Record<string, number>).zero, -0)).toBe(true);
    expect(Object.is(back.model.w.data[1], -0)).toBe(true);
    expect(back.generator).toEqual([1, 2, 3, 4294967295]);
    expect(back.elapsedMs).toBe(12.345678901234);
  });

  it('a run restored from an encoded checkpoint (without history) ends bitwise identical', async () => {
    const s = spec();
    const tensors = () => toTensors(s, data(64));
    const full = new Trainer(s, tensors());
    const encoded: Uint8Array[] = [];
    const fullResult = await full.run({
      onEpoch: () => void encoded.push(encodeCheckpoint(full.checkpoint({ history: false }))),
    });
    const resumed = new Trainer(s, tensors());
    resumed.restore({ ...decodeCheckpoint(encoded[2]), history: fullResult.history.slice(0, 3) });
    const result = await resumed.run();
    expect(bits(result.stateDict)).toBe(bits(fullResult.stateDict));
    expect(result.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a run restored from the checkpoint where early stopping fired trains no further', async () => {
    const s = spec({ epochs: 50, early_stopping: { monitor: 'loss', patience: 1, min_delta: 10 } });
    const full = new Trainer(s, toTensors(s, data(32)));
    let last: TrainerCheckpoint | null = null;
    const fullResult = await full.run({ onCheckpoint: (c) => void (last = c) });
    expect(fullResult.stopReason).toBe('early_stopping');
    const resumed = new Trainer(s, toTensors(s, data(32)));
    resumed.restore(decodeCheckpoint(encodeCheckpoint(last!)));
    const result = await resumed.run();
    expect(result.stopReason).toBe('early_stopping');
    expect(result.history).toHaveLength(fullResult.history.length);
    expect(bits(result.stateDict)).toBe(bits(fullResult.stateDict));
  });
});
