/**
 * The resume-exactness check the training tests share: a calm run checkpointing every epoch through
 * the binary codec (as the service stores checkpoints), a fresh Trainer restored from one of them
 * and run to the end, and a control restored with the next epoch's generator, which must differ
 * (so the equality of the first two is not trivial).
 */
import { expect } from 'vitest';
import type { TrainerCheckpoint } from '../../src/training/checkpoint.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/training/checkpoint-codec.js';
import type { TrainingData } from '../../src/training/data.js';
import type { TrainResult } from '../../src/training/results.js';
import type { RunSpec } from '../../src/training/spec.js';
import { Trainer } from '../../src/training/trainer.js';

/** A state dict as one string of names and float32 bytes: equal strings mean bitwise-equal weights. */
export const stateBits = (state: Record<string, { data: Float32Array }>): string =>
  Object.entries(state)
    .map(
      ([k, t]) => `${k}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`,
    )
    .join(';');

export interface ResumeRuns {
  full: TrainResult;
  checkpoint: TrainerCheckpoint;
  resumed: TrainResult;
}

/**
 * Runs `spec` calmly, resumes from the checkpoint taken after epoch `afterEpoch`, and asserts the
 * resumed run ends bitwise equal to the calm one (weights, losses, evaluation) while the control
 * with the next epoch's generator does not. Returns both runs for further checks.
 */
export async function expectResumeExact(
  spec: RunSpec,
  tensors: () => TrainingData,
  afterEpoch: number,
): Promise<ResumeRuns> {
  const encoded: Uint8Array[] = [];
  const full = await new Trainer(spec, tensors()).run({
    onCheckpoint: (c) => void encoded.push(encodeCheckpoint(c)),
  });
  const checkpoint = decodeCheckpoint(encoded[afterEpoch - 1]);
  expect(checkpoint.epoch).toBe(afterEpoch);

  const resumedTrainer = new Trainer(spec, tensors());
  resumedTrainer.restore(checkpoint);
  const resumed = await resumedTrainer.run();
  expect(stateBits(resumed.stateDict)).toBe(stateBits(full.stateDict));
  expect(resumed.history.map((m) => m.loss)).toEqual(full.history.map((m) => m.loss));
  expect(resumed.evaluation).toEqual(full.evaluation);

  // Not trivially equal: the generator of a later epoch gives other dropout masks.
  const mixed = new Trainer(spec, tensors());
  mixed.restore({ ...checkpoint, generator: decodeCheckpoint(encoded[afterEpoch]).generator });
  expect(stateBits((await mixed.run()).stateDict)).not.toBe(stateBits(full.stateDict));
  return { full, checkpoint, resumed };
}
