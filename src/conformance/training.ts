/**
 * Computes a training.json case: the whole mini-batch loop from the given weights, reporting
 * each step's loss, each epoch's lr and the final state dict. Expected values are never read.
 */
import type { NestedArray } from '../engine/tensor.js';
import { toTensors } from '../training/data.js';
import { parseRunSpec } from '../training/spec.js';
import { train } from '../training/trainer.js';

export interface TrainingCase {
  model: unknown;
  state_dict: Record<string, NestedArray>;
  x: NestedArray;
  y: NestedArray;
  loss: unknown;
  optimizer: unknown;
  scheduler?: unknown;
  grad_clip?: unknown;
  batch_size: number;
  epochs: number;
  shuffle: boolean;
}

export interface TrainingResult {
  step_losses: number[];
  epoch_lrs: number[];
  final_state_dict: Record<string, NestedArray>;
}

export async function computeTrainingCase(c: TrainingCase): Promise<TrainingResult> {
  const spec = parseRunSpec({
    model: c.model,
    loss: c.loss,
    optimizer: c.optimizer,
    ...(c.scheduler === undefined ? {} : { scheduler: c.scheduler }),
    training: {
      epochs: c.epochs,
      batch_size: c.batch_size,
      shuffle: c.shuffle,
      ...(c.grad_clip === undefined ? {} : { grad_clip: c.grad_clip }),
    },
  });
  const stepLosses: number[] = [];
  const result = await train(spec, toTensors(spec, { x: c.x, y: c.y }), {
    initStateDict: c.state_dict,
    onStep: (loss) => stepLosses.push(loss),
  });
  return {
    step_losses: stepLosses,
    epoch_lrs: result.history.map((m) => m.lr),
    final_state_dict: Object.fromEntries(Object.entries(result.stateDict).map(([k, t]) => [k, t.toArray()])),
  };
}
