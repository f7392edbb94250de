/**
 * The consumer side: a BullMQ Worker whose processor runs each job in its own training thread
 * (`WORKER_CONCURRENCY` at a time), writes epoch events and the final status to the job store,
 * and stores the trained weights as safetensors. After every epoch the epoch event and a checkpoint
 * are committed together (src/service/checkpoint-store.ts), so a job whose worker was killed or
 * shut down resumes on any worker from its last epoch and ends bitwise identical. Cancels arrive over Redis pub/sub, so whichever
 * API process receives one reaches the worker running the job.
 */

import { randomUUID } from 'node:crypto';
import { type Job as BullJob, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { encodeSafetensors, type NamedTensor } from '../artifacts/safetensors.js';
import { DEFAULT_FASHION_MNIST_DIR } from '../datasets/fashion-mnist.js';
import type { TrainingStatsWriter } from '../metrics/training-stats.js';
import { duplicateFor, isRedisUnavailable } from '../redis/connection.js';
import { TRAINING_QUEUE } from '../redis/keys.js';
import { retryWhileRedisUnavailable } from '../redis/retry.js';
import { CheckpointStore, LostOwnershipError } from '../service/checkpoint-store.js';
import type { DatasetStore } from '../service/dataset-store.js';
import type { JobStore } from '../service/job-store.js';
import type { CoreBudget } from './core-budget.js';
import { modelMetadata, resultFields } from './job-result.js';
import { DatasetMissingError, type JobTables, loadJobTables } from './job-tables.js';
import { USER_ERROR_CODES } from './thread-protocol.js';
import type { TrainingJobData } from './training-queue.js';
import { runTraining } from './training-runner.js';

/** Abort reason of a worker shutting down (as opposed to a user's cancel). */
const SHUTDOWN = 'shutdown';

/** BullMQ's reason for a job that lost its worker more than `maxStalledCount` times. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/** Lock and stalled-job settings (see WORKER_LOCK_DURATION_MS & co. in src/config.ts). */
export interface StallSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

export interface TrainingWorkerOptions {
  /** A consumer connection (`maxRetriesPerRequest: null`). */
  connection: Redis;
  store: JobStore;
  concurrency: number;
  logger: Logger;
  /** Where epoch counters and busy threads go for /metrics (optional). */
  stats?: TrainingStatsWriter;
  stall?: StallSettings;
  /** Uploaded datasets, read for jobs that train on them. */
  datasets?: DatasetStore;
  /** FASHION_MNIST_DIR (Debian's path when absent). */
  fashionMnistDir?: string;
  /** The cores running jobs share for their products; without it, each job uses one thread. */
  cores?: CoreBudget;
  /** Training threads' nice value (TRAINING_NICE); 0 or absent leaves their priority alone. */
  trainingNice?: number;
  /**
   * How long Redis may be unreachable or refuse writes (REDIS_RETRY_MS) before an attempt fails:
   * until then epoch commits are retried with backoff and the attempt starts over, using no
   * JOB_ATTEMPTS. Default 300 s.
   */
  redisRetryMs?: number;
}

/** An attempt stopped by Redis (unreachable, or refusing writes) within REDIS_RETRY_MS: run it again. */
class RedisPause extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
    this.name = 'RedisPause';
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One attempt at a job running in this process. */
interface ActiveRun {
  jobId: string;
  /** Aborts mid-epoch: a cancel, or a shutdown past its grace time. */
  controller: AbortController;
  /** Stops after the current epoch's checkpoint: a shutdown. */
  drain: AbortController;
}

export class TrainingWorker {
  private readonly worker: Worker<TrainingJobData, void, 'train'>;
  private readonly subscriber: Redis;
  private readonly checkpoints: CheckpointStore;
  /** Attempts running in this process, by owner token (one job can briefly have two, see claim). */
  private readonly active = new Map<string, ActiveRun>();
  private closing = false;

  constructor(private readonly options: TrainingWorkerOptions) {
    const { store } = options;
    this.checkpoints = new CheckpointStore(options.connection, store.keys);
    this.subscriber = duplicateFor(options.connection, 'consumer');
    this.subscriber.on('message', (_channel: string, jobId: string) => {
      for (const run of this.active.values()) {
        if (run.jobId !== jobId) continue;
        options.logger.info({ job_id: jobId }, 'cancel requested');
        run.controller.abort('cancel');
      }
    });
    const stall = options.stall ?? { lockDurationMs: 30_000, stalledIntervalMs: 15_000, maxStalledCount: 5 };
    this.worker = new Worker<TrainingJobData, void, 'train'>(
      TRAINING_QUEUE,
      (job, token, signal) => this.processWithPauses(job, token, signal),
      {
        connection: options.connection,
        prefix: store.keys.bullPrefix,
        concurrency: options.concurrency,
        autorun: false,
        // Training runs in a thread, so this process's event loop renews locks on time however
        // long an epoch takes; only a dead (or cut-off) worker lets its lock expire, and the job is
        // then taken over by any worker within lockDuration + 2 stalled intervals, and resumed
        // from its last checkpoint.
        lockDuration: stall.lockDurationMs,
        stalledInterval: stall.stalledIntervalMs,
        maxStalledCount: stall.maxStalledCount,
      },
    );
    this.worker.on('error', (err) => options.logger.warn({ err: err.message }, 'worker error'));
    this.worker.on('failed', (job, err) => {
      options.logger.warn({ job_id: job?.data.job_id, err: err.message }, 'bullmq job failed');
      // Failed by BullMQ without running the processor: record it, or the job would stay running.
      if (job !== undefined && err.message === STALLED_TOO_OFTEN) {
        void store
          .transition(
            job.data.job_id,
            ['queued', 'running'],
            'failed',
            {},
            { code: 'stalled', message: err.message },
          )
          .catch((e: Error) => options.logger.warn({ err: e.message }, 'recording a stalled job failed'));
      }
    });
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.options.store.keys.cancelChannel());
    void this.worker.run();
    await this.worker.waitUntilReady();
  }

  /**
   * Runs attempts at `job` until one ends; an attempt that Redis stopped (RedisPause) is run again
   * after a backoff, within REDIS_RETRY_MS of the first pause. It resumes from the last committed
   * checkpoint, so the run ends as if nothing had happened.
   */
  private async processWithPauses(
    job: BullJob<TrainingJobData, void, 'train'>,
    token: string | undefined,
    bullSignal: AbortSignal | undefined,
  ): Promise<void> {
    let firstPause: number | null = null;
    let delay = 500;
    for (;;) {
      try {
        return await this.process(job, token, bullSignal, firstPause);
      } catch (err) {
        if (!(err instanceof RedisPause)) throw err;
        firstPause ??= Date.now();
        this.options.logger.warn(
          { job_id: job.data.job_id, err: err.message, retry_in_ms: delay },
          'redis unavailable or refusing writes; the attempt starts over from its last checkpoint',
        );
        await pause(delay);
        // Shutting down: no new attempt here, and no write Redis may refuse: the job is left
        // active, its lock expires and another worker resumes it from the checkpoint.
        if (this.closing) throw new WaitingError();
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async process(
    job: BullJob<TrainingJobData, void, 'train'>,
    token: string | undefined,
    bullSignal: AbortSignal | undefined,
    firstPause: number | null,
  ): Promise<void> {
    const retryBudget = this.options.redisRetryMs ?? 300_000;
    const { store } = this.options;
    const { checkpoints } = this;
    const id = job.data.job_id;
    const attempts = job.opts.attempts ?? 1;
    const owner = randomUUID();
    const log = this.options.logger.child({ job_id: id });
    const run: ActiveRun = { jobId: id, controller: new AbortController(), drain: new AbortController() };
    const { controller } = run;
    bullSignal?.addEventListener('abort', () => controller.abort('cancel'), { once: true });
    if (this.closing) run.drain.abort();
    this.active.set(owner, run);
    /** This attempt's share of the cores while its thread trains. */
    let share: Int32Array | null = null;
    try {
      // 'running' too: a job whose worker died is picked up again after it stalls.
      const current = await store.get(id);
      const started = await store.transition(
        id,
        ['queued', 'running'],
        'running',
        current?.started_at ? { started_at: current.started_at } : {},
      );
      if (!started.applied) {
        log.info({ status: started.previous }, 'job skipped: no longer runnable');
        return;
      }
      const claimed = await checkpoints.claim(id, owner);
      if (await store.cancelRequested(id)) controller.abort('cancel');
      const input = await store.getInput(id);
      if (input === null) throw new UnrecoverableError(`input of job ${id} is missing`);
      const init = await store.getInit(id);
      let loaded: JobTables = { tables: { train: null, validation: null }, labels: null };
      if (
        current !== null &&
        (current.spec.data.dataset_id ?? current.spec.data.builtin ?? current.spec.validation)
      ) {
        if (this.options.datasets === undefined) throw new Error('this worker has no dataset store');
        try {
          loaded = await loadJobTables(
            this.options.datasets,
            current.spec,
            this.options.fashionMnistDir ?? DEFAULT_FASHION_MNIST_DIR,
          );
        } catch (err) {
          if (!(err instanceof DatasetMissingError)) throw err;
          await store.transition(id, ['running'], 'failed', {}, { code: err.code, message: err.message });
          await checkpoints.clear(id);
          throw new UnrecoverableError(err.message);
        }
      }
      const resume =
        claimed.state === null
          ? null
          : { checkpoint: claimed.state, history: (await store.metrics(id)).slice(0, claimed.epoch) };
      log.info(
        { resume_after_epoch: claimed.epoch },
        claimed.epoch > 0 ? 'training resumed' : 'training started',
      );
      await this.options.stats?.jobStarted(id).catch(() => {}); // figures for /metrics only
      let committed = claimed.epoch;
      share = this.options.cores?.join() ?? null;
      const outcome = await runTraining({
        cores: share,
        nice: this.options.trainingNice ?? 0,
        input,
        init,
        resume,
        signal: controller.signal,
        drain: run.drain.signal,
        tables: loaded.tables,
        onProgress: (progress) => store.recordProgress(id, progress),
        onEpochs: async ({ metrics, checkpoint }) => {
          // Training goes on in its thread meanwhile; epochs finished during a pause are committed
          // together once Redis takes writes again.
          await retryWhileRedisUnavailable(
            () => checkpoints.commit(id, owner, committed, metrics, checkpoint),
            {
              budgetMs: retryBudget,
              signal: controller.signal,
              onRetry: (err, delayMs) =>
                log.warn(
                  { err: err.message, retry_in_ms: delayMs },
                  'epoch commit refused by redis; retrying',
                ),
            },
          );
          committed = metrics[metrics.length - 1].epoch;
          for (const m of metrics) await this.options.stats?.epoch(id, m).catch(() => {});
        },
      });
      switch (outcome.type) {
        case 'completed': {
          if (!(await checkpoints.owns(id, owner))) return this.superseded(log);
          const tensors: Record<string, NamedTensor> = {};
          for (const t of outcome.tensors) tensors[t.name] = { shape: t.shape, data: t.data };
          const metadata = modelMetadata(id, current?.spec.model, outcome.summary, loaded.labels);
          await store.saveModel(id, encodeSafetensors(tensors, metadata));
          await store.transition(id, ['running'], 'succeeded', resultFields(outcome.summary));
          await checkpoints.clear(id);
          log.info({ intra_op_threads: outcome.intraOpThreads }, 'training succeeded');
          return;
        }
        case 'aborted':
          if (controller.signal.reason !== 'cancel' && (run.drain.signal.aborted || this.closing)) {
            // Not the user's cancel: hand the job back to the queue; any worker resumes it from
            // its last checkpoint.
            await store.transition(id, ['running'], 'queued');
            await job.moveToWait(token);
            log.info({ checkpoint_epoch: committed }, 'training interrupted by shutdown; handed back');
            throw new WaitingError();
          }
          await store.transition(id, ['running'], 'cancelled');
          await checkpoints.clear(id);
          log.info('training cancelled');
          return;
        case 'failed': {
          if (outcome.cause instanceof LostOwnershipError) return this.superseded(log);
          const { code, message, epoch } = outcome.error;
          if (USER_ERROR_CODES.has(code)) {
            const error = epoch === undefined ? { code, message } : { code, message, epoch };
            await store.transition(id, ['running'], 'failed', {}, error);
            await checkpoints.clear(id);
            log.info({ code }, 'training failed');
            throw new UnrecoverableError(message);
          }
          throw outcome.cause instanceof Error ? outcome.cause : new Error(message);
        }
      }
    } catch (err) {
      if (err instanceof UnrecoverableError || err instanceof WaitingError) throw err;
      // Redis down or out of memory is no fault of the job: within REDIS_RETRY_MS it costs a pause.
      if (
        isRedisUnavailable(err) &&
        !this.closing &&
        !controller.signal.aborted &&
        (firstPause === null || Date.now() - firstPause < retryBudget)
      ) {
        throw new RedisPause(err as Error);
      }
      const message = err instanceof Error ? err.message : String(err);
      // Infrastructure errors are retried; the retry resumes from the last checkpoint.
      if (job.attemptsMade + 1 < attempts) {
        log.warn({ err: message }, 'training attempt failed; will retry from the last checkpoint');
        await store.transition(id, ['running'], 'queued');
      } else {
        log.error({ err: message }, 'training failed');
        await store.transition(id, ['running'], 'failed', {}, { code: 'internal_error', message });
      }
      throw err;
    } finally {
      if (share !== null) this.options.cores?.leave(share);
      this.active.delete(owner);
      await this.options.stats?.jobEnded(id).catch(() => {});
    }
  }

  /** Another attempt owns the job now (this one lost its lock); leave the job to it. */
  private superseded(log: Logger): void {
    log.warn('another attempt took over this job; stopping this one');
  }

  /**
   * Stops taking jobs, lets each running job finish its current epoch (up to `timeoutMs`, then
   * stops it mid-epoch) and hands it back to the queue; its last checkpoint is already in Redis.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    const closing = this.worker.close();
    for (const run of this.active.values()) run.drain.abort();
    const timer = setTimeout(() => {
      if (this.active.size === 0) return;
      this.options.logger.warn(
        { running: [...this.active.values()].map((r) => r.jobId) },
        'shutdown grace time over: stopping running jobs mid-epoch',
      );
      for (const run of this.active.values()) run.controller.abort(SHUTDOWN);
    }, timeoutMs);
    // Bounded even if Redis is unreachable: the jobs' locks then expire and they are taken over.
    let hardStop: NodeJS.Timeout | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      hardStop = setTimeout(() => resolve('stuck'), timeoutMs + 5_000);
    });
    if ((await Promise.race([closing, stuck])) === 'stuck') {
      this.options.logger.warn('worker did not close in time; forcing');
      await Promise.race([this.worker.close(true), new Promise((r) => setTimeout(r, 1000))]);
    }
    clearTimeout(timer);
    clearTimeout(hardStop);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
