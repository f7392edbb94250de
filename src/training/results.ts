/** What a training run reports: per-epoch metrics, step progress, and the final result. */
import type { StateDict } from '../engine/nn/module.js';
import type { SplitMetrics } from './metrics.js';
import type { Normalization } from './normalize.js';

export interface EpochMetrics {
  epoch: number;
  epochs: number;
  /** Sample-weighted mean of the epoch's step losses. */
  loss: number;
  /** The learning rate of the first parameter group during this epoch. */
  lr: number;
  /** Share of correctly classified training samples (classification losses only). */
  accuracy?: number;
  mae?: number;
  rmse?: number;
  r2?: number;
  val_loss?: number;
  val_accuracy?: number;
  val_mae?: number;
  val_rmse?: number;
  val_r2?: number;
  duration_ms: number;
  samples_per_sec: number;
}

export interface StepProgress {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
}

export interface SplitEvaluation extends SplitMetrics {
  samples: number;
  confusion_matrix?: number[][];
}

export interface FinalEvaluation {
  train: SplitEvaluation;
  validation?: SplitEvaluation;
}

export type StopReason = 'epochs' | 'early_stopping' | 'aborted';

export interface TrainResult {
  status: 'completed' | 'aborted';
  stopReason: StopReason;
  /** The weights at the end (the best epoch's when early stopping restored them). */
  stateDict: StateDict;
  history: EpochMetrics[];
  /** The best epoch by the early-stopping monitor (null without early stopping). */
  bestEpoch: number | null;
  evaluation: FinalEvaluation | null;
  normalization: Normalization | null;
}
