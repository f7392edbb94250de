/**
 * Issue 18, item 1: a run resumed from a checkpoint taken mid-run must end with the very same
 * weights as an uninterrupted one. The shape is the reported one (1,000 samples of 16 features,
 * 4 classes, two 256-wide layers with Dropout, shuffled batches of 4, Adam, StepLR(10, 0.7)), with
 * 12 epochs instead of 60; resumed runs go through the binary codec, one of them with its matrix
 * products on two threads (as a worker whose job has two cores).
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/engine/random.js';
import { IntraOpThreads } from '../../src/queue/intra-op-threads.js';
import type { TrainerCheckpoint } from '../../src/training/checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/training/checkpoint-codec.js';
import { toTensors } from '../../src/training/data.js';
import { parseRunSpec } from '../../src/training/spec.js';
import { Trainer } from '../../src/training/trainer.js';

function dataset(n: number, features: number, classes: number, seed: number) {
  const g = new Generator(seed);
  const x = Array.from({ length: n }, () => Array.from({ length: features }, () => g.normal()));
  const y = x.map(() => Math.floor(g.random() * classes));
  return { x, y };
}

const spec = parseRunSpec({
  model: {
    layers: [
      { type: 'Linear', in_features: 16, out_features: 256 },
      { type: 'ReLU' },
      { type: 'Dropout', p: 0.1 },
      { type: 'Linear', in_features: 256, out_features: 256 },
      { type: 'ReLU' },
      { type: 'Linear', in_features: 256, out_features: 4 },
    ],
  },
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 1e-3 },
  scheduler: { type: 'StepLR', step_size: 10, gamma: 0.7 },
  training: { epochs: 12, batch_size: 4, shuffle: true, seed: 11 },
});

const data = () => toTensors(spec, dataset(1000, 16, 4, 5));

function bits(state: Record<string, { data: Float32Array }>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(state).map(([k, t]) => [
      k,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex'),
    ]),
  );
}

describe('resume from a checkpoint', () => {
  it('ends with the same bits as an uninterrupted run, whatever epoch it resumes from', async () => {
    const checkpoints: Uint8Array[] = [];
    const calm = await new Trainer(spec, data()).run({
      onCheckpoint: (cp) => void checkpoints.push(encodeCheckpoint(cp)),
    });
    const expected = bits(calm.stateDict);
    for (const [at, cores] of [
      [1, 1],
      [3, 2],
      [11, 1],
    ]) {
      const share = new Int32Array(new SharedArrayBuffer(4));
      share[0] = cores;
      const threads = new IntraOpThreads(share);
      const resumed = new Trainer(spec, data());
      resumed.restore(decodeCheckpoint(checkpoints[at - 1]) as TrainerCheckpoint);
      const result = await resumed.run({ onStep: () => threads.update() }).finally(() => threads.close());
      expect(bits(result.stateDict), `resumed after epoch ${at} on ${cores} threads`).toEqual(expected);
    }
  }, 120_000);
});
