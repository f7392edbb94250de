/**
 * A Trainer's resume point as plain data (typed arrays, numbers, strings), so it survives
 * structured cloning across threads and a binary encoding into Redis (checkpoint-codec.ts).
 */
import type { StateDict } from '../engine/nn/module.js';
import type { OptimizerStateDict } from '../engine/optim/optimizer.js';
import type { GeneratorState } from '../engine/random.js';
import type { SchedulerStateDict } from '../engine/schedulers/lr-scheduler.js';
import { Tensor } from '../engine/tensor.js';
import type { EarlyStoppingState } from './early-stopping.js';
import type { EpochMetrics } from './results.js';

/** A tensor as plain data, so checkpoints survive structured cloning and binary encoding. */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Everything needed to continue a run after its last completed epoch; plain data only. */
export interface TrainerCheckpoint {
  epoch: number;
  model: Record<string, TensorData>;
  optimizer: OptimizerStateDict;
  scheduler: SchedulerStateDict | null;
  generator: GeneratorState;
  earlyStopping: EarlyStoppingState | null;
  best: Record<string, TensorData> | null;
  history: EpochMetrics[];
  elapsedMs: number;
}

export function toData(state: StateDict): Record<string, TensorData> {
  return Object.fromEntries(
    Object.entries(state).map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]),
  );
}

export function fromData(state: Record<string, TensorData>): StateDict {
  return Object.fromEntries(
    Object.entries(state).map(([k, t]) => [k, new Tensor(Float32Array.from(t.data), t.shape)]),
  );
}
