/**
 * Issue 18, item 1: a run resumed from a checkpoint taken mid-run must end with the very same
 * weights as an uninterrupted one. The shape is the reported one (dropout, shuffled batches of 4,
 * StepLR, Adam), with fewer samples and epochs so it stays fast.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../src/engine/random.js';
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
  scheduler: { type: 'StepLR', step_size: 2, gamma: 0.7 },
  training: { epochs: 5, batch_size: 4, shuffle: true, seed: 11 },
});

const data = () => toTensors(spec, dataset(200, 16, 4, 5));

function bits(state: Record<string, { data: Float32Array }>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(state).map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')]),
  );
}

describe('resume from a checkpoint', () => {
  it('ends with the same bits as an uninterrupted run, whatever epoch it resumes from', async () => {
    const checkpoints: Uint8Array[] = [];
    const calm = await new Trainer(spec, data()).run({
      onCheckpoint: (cp) => void checkpoints.push(encodeCheckpoint(cp)),
    });
    const expected = bits(calm.stateDict);
    for (const at of [1, 3]) {
      const resumed = new Trainer(spec, data());
      resumed.restore(decodeCheckpoint(checkpoints[at - 1]) as TrainerCheckpoint);
      const result = await resumed.run();
      expect(bits(result.stateDict), `resumed after epoch ${at}`).toEqual(expected);
    }
  }, 120_000);
});
