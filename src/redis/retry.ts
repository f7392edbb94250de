/**
 * Retrying an operation while Redis is unavailable or refuses writes (src/redis/connection.ts):
 * exponential backoff from `firstDelayMs`, capped at `maxDelayMs`, for at most `budgetMs` in all;
 * then (or on any other error) the last error is thrown. Workers use it so that a short shortage
 * (maxmemory reached, a restart) costs a pause, not a job attempt.
 */
import { isRedisUnavailable } from './connection.js';

export interface RetryOptions {
  budgetMs: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait with the error and the delay. */
  onRetry?: (err: Error, delayMs: number) => void;
  /** Stops waiting (the last error is thrown). */
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export async function retryWhileRedisUnavailable<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const started = Date.now();
  let delay = options.firstDelayMs ?? 250;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!isRedisUnavailable(err) || options.signal?.aborted) throw err;
      const left = options.budgetMs - (Date.now() - started);
      if (left <= 0) throw err;
      const wait = Math.min(delay, left);
      options.onRetry?.(err as Error, wait);
      await sleep(wait, options.signal);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
