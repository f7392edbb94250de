/**
 * Messages between a worker process's main thread and a training thread. Typed both ways;
 * errors are serialised (name, code, message, issues) since Error objects do not cross threads.
 */
import type { SpecIssue } from '../engine/errors.js';
import type { Normalization } from '../training/normalize.js';
import type { EpochMetrics, FinalEvaluation, StepProgress, StopReason } from '../training/results.js';

export interface ThreadTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * A dataset as binary arrays (row-major values; one target per row). Uint8 values (images) are
 * scaled to [0, 1] in the thread, Int32 ones (token ids) converted as they are; they may sit in a
 * SharedArrayBuffer that every thread reads.
 */
export interface ThreadTable {
  rows: number;
  features: number;
  /** Per sample; absent means `[features]`. */
  sampleShape?: number[];
  x: Float32Array | Uint8Array | Int32Array;
  y: Int32Array | Float32Array;
}

/** Datasets loaded on the main thread (uploaded or built-in), transferred with `start`. */
export interface ThreadTables {
  train: ThreadTable | null;
  validation: ThreadTable | null;
}

/** How a completed run ended, stored with the job and its model. */
export interface TrainSummary {
  stopReason: StopReason;
  bestEpoch: number | null;
  evaluation: FinalEvaluation | null;
  normalization: Normalization | null;
}

export type ToThread =
  | {
      type: 'start';
      /** Datasets the job reads, when they are not inline or synthetic. */
      tables?: ThreadTables | null;
      /** The stored job input, JSON (parsed in the thread, off the main event loop). */
      input: string;
      /** Warm-start weights (safetensors bytes) copied from another job, if any. */
      init: Uint8Array | null;
      /** Continue after the last committed epoch instead of starting at epoch 1. */
      resume: ResumePoint | null;
      /** The job's share of the worker's cores for its matrix products (core-budget.ts); null: one. */
      cores?: Int32Array | null;
      /** Lower the thread's scheduling priority to this nice value first (0 or absent: leave it). */
      nice?: number;
    }
  /** Stop now, mid-epoch (a cancel; or a shutdown whose grace time ran out). */
  | { type: 'abort' }
  /** Stop at the end of the current epoch, after its checkpoint (a shutdown handing the job back). */
  | { type: 'drain' };

/** Where a resumed run starts: the stored checkpoint and the metrics of the epochs before it. */
export interface ResumePoint {
  /** `encodeCheckpoint` bytes (src/training/checkpoint-codec.ts). */
  checkpoint: Uint8Array;
  history: EpochMetrics[];
}

export interface SerializedError {
  name: string;
  /** `diverged`, `timeout` and `invalid_spec` are the user's failures; anything else is ours. */
  code: string;
  message: string;
  issues?: SpecIssue[];
  /** The epoch a `diverged` or `timeout` failure happened in. */
  epoch?: number;
}

export type FromThread =
  /** One finished epoch with the checkpoint to resume after it (its buffer is transferred). */
  | { type: 'epoch'; metrics: EpochMetrics; checkpoint: Uint8Array }
  | { type: 'progress'; progress: StepProgress }
  | {
      type: 'result';
      status: 'completed' | 'aborted';
      tensors: ThreadTensor[];
      summary?: TrainSummary;
      /** The most threads the products ran on. */
      intraOpThreads: number;
    }
  | { type: 'error'; error: SerializedError };

/** Error codes that mean the job itself is bad: failing it again would fail the same way. */
export const USER_ERROR_CODES: ReadonlySet<string> = new Set(['diverged', 'invalid_spec', 'timeout']);
