/**
 * Runs one training job in a fresh worker thread: training never touches the event loop of the
 * worker's main thread. Epoch metrics are handed to `onEpoch` one at a time, in order (each
 * awaited before the next), and the result waits for them. On abort the thread is asked to stop
 * and is terminated if it has not within `abortGraceMs`.
 */
import { Worker } from 'node:worker_threads';
import type { EpochMetrics } from '../training/trainer.js';
import type { FromThread, SerializedError, ThreadTensor, ToThread } from './thread-protocol.js';

export type RunOutcome =
  | { type: 'completed'; tensors: ThreadTensor[] }
  | { type: 'aborted' }
  | { type: 'failed'; error: SerializedError };

export interface RunOptions {
  input: string;
  init: Uint8Array | null;
  signal: AbortSignal;
  onEpoch: (metrics: EpochMetrics) => Promise<void>;
  abortGraceMs?: number;
}

const BOOTSTRAP = new URL('./thread-bootstrap.mjs', import.meta.url);
const ENTRY = new URL(
  import.meta.url.endsWith('.ts') ? './training-thread.ts' : './training-thread.js',
  import.meta.url,
);

export function runTraining(options: RunOptions): Promise<RunOutcome> {
  const thread = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY.href } });
  let chain = Promise.resolve();
  let epochError: unknown = null;
  let settled = false;

  return new Promise<RunOutcome>((resolve) => {
    const finish = (outcome: RunOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      options.signal.removeEventListener('abort', onAbort);
      // Let queued epoch writes land before reporting the end.
      chain.then(() => {
        void thread.terminate();
        resolve(
          epochError !== null && outcome.type === 'completed'
            ? {
                type: 'failed',
                error: { name: 'Error', code: 'internal_error', message: String(epochError) },
              }
            : outcome,
        );
      });
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      thread.postMessage({ type: 'abort' } satisfies ToThread);
      killTimer = setTimeout(() => finish({ type: 'aborted' }), options.abortGraceMs ?? 750);
    };

    thread.on('message', (message: FromThread) => {
      switch (message.type) {
        case 'epoch':
          chain = chain
            .then(() => options.onEpoch(message.metrics))
            .catch((err) => {
              epochError ??= err;
            });
          break;
        case 'result':
          finish(
            message.status === 'completed'
              ? { type: 'completed', tensors: message.tensors }
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
    thread.postMessage({ type: 'start', input: options.input, init: options.init } satisfies ToThread);
  });
}
