/**
 * Messages between a worker process's main thread and a training thread. Typed both ways;
 * errors are serialised (name, code, message, issues) since Error objects do not cross threads.
 */
import type { SpecIssue } from '../engine/errors.js';
import type { EpochMetrics } from '../training/trainer.js';

export interface ThreadTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export type ToThread =
  | {
      type: 'start';
      /** The stored job input, JSON (parsed in the thread, off the main event loop). */
      input: string;
      /** Warm-start weights (safetensors bytes) copied from another job, if any. */
      init: Uint8Array | null;
    }
  | { type: 'abort' };

export interface SerializedError {
  name: string;
  /** `diverged` and `invalid_spec` are the user's failures; anything else is ours. */
  code: string;
  message: string;
  issues?: SpecIssue[];
}

export type FromThread =
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'result'; status: 'completed' | 'aborted'; tensors: ThreadTensor[] }
  | { type: 'error'; error: SerializedError };

/** Error codes that mean the job itself is bad: failing it again would fail the same way. */
export const USER_ERROR_CODES: ReadonlySet<string> = new Set(['diverged', 'invalid_spec']);
