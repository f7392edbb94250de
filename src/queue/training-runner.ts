/**
 * Runs one training job in a fresh worker thread: training never touches the event loop of the
 * worker's main thread. Finished epochs (metrics plus the checkpoint after them) are handed to
 * `onEpochs` in order, one call at a time; epochs that arrive while a call is running are batched
 * into the next call with only the newest checkpoint (the thread never waits for Redis, and a slow
 * Redis costs memory for metrics only). The result waits for every epoch to be written. On abort
 * the thread is asked to stop and is terminated if it has not within `abortGraceMs`; on `drain` it
 * stops after its current epoch. If `onEpochs` fails, the run stops and fails with that `cause`.
 */
import type { EpochMetrics, StepProgress } from '../training/results.js';
import { tableBuffers } from './thread-data.js';
import type {
  FromThread,
  ResumePoint,
  SerializedError,
  ThreadTables,
  ThreadTensor,
  ToThread,
  TrainSummary,
} from './thread-protocol.js';
import { startTrainingThread } from './thread-start.js';

export type RunOutcome =
  | { type: 'completed'; tensors: ThreadTensor[]; summary: TrainSummary | null; intraOpThreads: number }
  | { type: 'aborted' }
  /** `cause` is set when writing epochs failed (the thread itself was fine). */
  | { type: 'failed'; error: SerializedError; cause?: unknown };

/** Consecutive finished epochs and the checkpoint after the last of them. */
export interface EpochBatch {
  metrics: EpochMetrics[];
  checkpoint: Uint8Array;
}

export interface RunOptions {
  input: string;
  init: Uint8Array | null;
  resume: ResumePoint | null;
  /** Stop now (mid-epoch). */
  signal: AbortSignal;
  /** Stop after the current epoch's checkpoint. */
  drain?: AbortSignal;
  onEpochs: (batch: EpochBatch) => Promise<void>;
  /** Datasets loaded on the main thread; their buffers are transferred to the thread. */
  tables?: ThreadTables | null;
  /** Progress within long epochs (throttled by the trainer); a write still running skips the next. */
  onProgress?: (progress: StepProgress) => Promise<void>;
  abortGraceMs?: number;
  /** The job's share of the worker's cores (CoreBudget.join); without it, products use one thread. */
  cores?: Int32Array | null;
  /** The training thread's nice value (TRAINING_NICE); its intra-op threads inherit it. */
  nice?: number;
}

export function runTraining(options: RunOptions): Promise<RunOutcome> {
  const thread = startTrainingThread();
  let pending: EpochMetrics[] = [];
  let latest: Uint8Array | null = null;
  let writing: Promise<void> | null = null;
  let settled = false;
  let progressWrite: Promise<void> | null = null;
  /** The first failed epoch commit: once set, no later outcome may report success. */
  let writeFailure: RunOutcome | null = null;

  return new Promise<RunOutcome>((resolve) => {
    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      options.drain?.removeEventListener('abort', onDrain);
      void thread.terminate();
      // Let the epochs already received land before reporting the end. A run whose last epochs
      // could not be committed has not succeeded, whatever the thread said: report the write's
      // failure so the job is retried from its last committed checkpoint.
      void Promise.all([writing, progressWrite]).then(() =>
        resolve(writeFailure !== null && outcome.type !== 'failed' ? writeFailure : outcome),
      );
    };
    const write = async () => {
      while (pending.length > 0 && latest !== null) {
        const batch: EpochBatch = { metrics: pending, checkpoint: latest };
        pending = [];
        latest = null;
        await options.onEpochs(batch);
      }
    };
    const onWriteError = (err: unknown) => {
      pending = [];
      latest = null;
      const message = err instanceof Error ? err.message : String(err);
      writeFailure ??= {
        type: 'failed',
        error: { name: 'Error', code: 'internal_error', message },
        cause: err,
      };
      finish(writeFailure);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      thread.postMessage({ type: 'abort' } satisfies ToThread);
      killTimer = setTimeout(() => finish({ type: 'aborted' }), options.abortGraceMs ?? 750);
    };
    const onDrain = () => thread.postMessage({ type: 'drain' } satisfies ToThread);

    thread.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'epoch':
          if (settled) break;
          pending.push(message.metrics);
          latest = message.checkpoint;
          writing ??= write()
            .catch(onWriteError)
            .finally(() => {
              writing = null;
            });
          break;
        case 'progress':
          if (settled || progressWrite !== null || options.onProgress === undefined) break;
          progressWrite = options
            .onProgress(message.progress)
            .catch(() => {}) // progress is advisory; epochs carry the record
            .finally(() => {
              progressWrite = null;
            });
          break;
        case 'result':
          finish(
            message.status === 'completed'
              ? {
                  type: 'completed',
                  tensors: message.tensors,
                  summary: message.summary ?? null,
                  intraOpThreads: message.intraOpThreads,
                }
              : { type: 'aborted' },
          );
          break;
        case 'error':
          finish({ type: 'failed', error: message.error });
          break;
      }
    });
    thread.on('error', (err) =>
      finish({ type: 'failed', error: { name: err.name, code: 'internal_error', message: err.message } }),
    );
    thread.on('exit', (code) =>
      finish(
        options.signal.aborted
          ? { type: 'aborted' }
          : {
              type: 'failed',
              error: { name: 'Error', code: 'internal_error', message: `training thread exited (${code})` },
            },
      ),
    );
    if (options.signal.aborted) {
      finish({ type: 'aborted' });
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    options.drain?.addEventListener('abort', onDrain, { once: true });
    const tables = options.tables ?? null;
    thread.postMessage(
      {
        type: 'start',
        input: options.input,
        init: options.init,
        resume: options.resume,
        tables,
        cores: options.cores ?? null,
        nice: options.nice ?? 0,
      } satisfies ToThread,
      tableBuffers(tables),
    );
    if (options.drain?.aborted) onDrain();
  });
}
