/**
 * The consumer side: a BullMQ Worker whose processor runs each job in its own training thread
 * (`WORKER_CONCURRENCY` at a time), writes epoch events and the final status to the job store,
 * and stores the trained weights as safetensors. Cancels arrive over Redis pub/sub, so whichever
 * API process receives one reaches the worker running the job.
 */
import { type Job as BullJob, DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { encodeSafetensors, type NamedTensor } from '../artifacts/safetensors.js';
import { duplicateFor } from '../redis/connection.js';
import { TRAINING_QUEUE } from '../redis/keys.js';
import type { JobStore } from '../service/job-store.js';
import { USER_ERROR_CODES } from './thread-protocol.js';
import type { TrainingJobData } from './training-queue.js';
import { runTraining } from './training-runner.js';

/** Abort reason of a worker shutting down (as opposed to a user's cancel). */
const SHUTDOWN = 'shutdown';

export interface TrainingWorkerOptions {
  /** A consumer connection (`maxRetriesPerRequest: null`). */
  connection: Redis;
  store: JobStore;
  concurrency: number;
  logger: Logger;
}

export class TrainingWorker {
  private readonly worker: Worker<TrainingJobData, void, 'train'>;
  private readonly subscriber: Redis;
  /** Jobs running in this process, by id. */
  private readonly active = new Map<string, AbortController>();

  constructor(private readonly options: TrainingWorkerOptions) {
    const { store } = options;
    this.subscriber = duplicateFor(options.connection, 'consumer');
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      const controller = this.active.get(jobId);
      if (controller === undefined) return;
      options.logger.info({ job_id: jobId }, 'cancel requested');
      controller.abort('cancel');
    });
    this.worker = new Worker<TrainingJobData, void, 'train'>(
      TRAINING_QUEUE,
      (job, token, signal) => this.process(job, token, signal),
      {
        connection: options.connection,
        prefix: store.keys.bullPrefix,
        concurrency: options.concurrency,
        autorun: false,
        // Training runs off the main thread, so lock renewal is never starved; a crashed worker's
        // job is picked up again after one stalled interval.
        stalledInterval: 30_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', (err) => options.logger.warn({ err: err.message }, 'worker error'));
    this.worker.on('failed', (job, err) =>
      options.logger.warn({ job_id: job?.data.job_id, err: err.message }, 'bullmq job failed'),
    );
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.options.store.keys.cancelChannel());
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  private async process(
    job: BullJob<TrainingJobData, void, 'train'>,
    token: string | undefined,
    bullSignal: AbortSignal | undefined,
  ): Promise<void> {
    const { store } = this.options;
    const id = job.data.job_id;
    const attempts = job.opts.attempts ?? 1;
    const log = this.options.logger.child({ job_id: id });
    const controller = new AbortController();
    bullSignal?.addEventListener('abort', () => controller.abort('cancel'), { once: true });
    this.active.set(id, controller);
    try {
      // 'running' too: a job whose worker died is picked up again after it stalls.
      const started = await store.transition(id, ['queued', 'running'], 'running');
      if (!started.applied) {
        log.info({ status: started.previous }, 'job skipped: no longer runnable');
        return;
      }
      if (await store.cancelRequested(id)) controller.abort();
      const input = await store.getInput(id);
      if (input === null) throw new UnrecoverableError(`input of job ${id} is missing`);
      const init = await store.getInit(id);
      log.info('training started');
      const outcome = await runTraining({
        input,
        init,
        signal: controller.signal,
        onEpoch: (metrics) => store.recordEpoch(id, metrics),
      });
      switch (outcome.type) {
        case 'completed': {
          const tensors: Record<string, NamedTensor> = {};
          for (const t of outcome.tensors) tensors[t.name] = { shape: t.shape, data: t.data };
          await store.saveModel(id, encodeSafetensors(tensors, { format: 'pt', job_id: id }));
          await store.transition(id, ['running'], 'succeeded');
          log.info('training succeeded');
          return;
        }
        case 'aborted':
          if (controller.signal.reason === SHUTDOWN) {
            // Not the user's cancel: hand the job back to the queue for another worker.
            await store.transition(id, ['running'], 'queued');
            await job.moveToDelayed(Date.now() + 1000, token);
            log.info('training interrupted by shutdown; re-queued');
            throw new DelayedError();
          }
          await store.transition(id, ['running'], 'cancelled');
          log.info('training cancelled');
          return;
        case 'failed': {
          const { code, message } = outcome.error;
          if (USER_ERROR_CODES.has(code)) {
            await store.transition(id, ['running'], 'failed', {}, { code, message });
            log.info({ code }, 'training failed');
            throw new UnrecoverableError(message);
          }
          throw new Error(message);
        }
      }
    } catch (err) {
      if (err instanceof UnrecoverableError || err instanceof DelayedError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (job.attemptsMade + 1 < attempts) {
        log.warn({ err: message }, 'training attempt failed; will retry');
        await store.transition(id, ['running'], 'queued');
      } else {
        log.error({ err: message }, 'training failed');
        await store.transition(id, ['running'], 'failed', {}, { code: 'internal_error', message });
      }
      throw err;
    } finally {
      this.active.delete(id);
    }
  }

  /** Stops taking jobs and waits for running ones (up to `timeoutMs`; then they are aborted). */
  async close(timeoutMs: number): Promise<void> {
    const closing = this.worker.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    if ((await Promise.race([closing, timedOut])) === 'timeout') {
      this.options.logger.warn(
        { running: [...this.active.keys()] },
        'shutdown timeout: cancelling running jobs',
      );
      for (const controller of this.active.values()) controller.abort(SHUTDOWN);
      await closing;
    }
    clearTimeout(timer);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
