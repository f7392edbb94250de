/**
 * Composition root: wires config, Redis connections, the job store, the queue, the API and the
 * training worker for one process role. Entry points (scripts/start.ts) and tests call these.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.js';
import { checkAuthAtStartup } from '../api/plugins/auth.js';
import type { Config } from '../config.js';
import { gemmBackend } from '../engine/kernels/gemm.js';
import { TrainingStatsWriter } from '../metrics/training-stats.js';
import { CoreBudget } from '../queue/core-budget.js';
import { OrphanSweeper } from '../queue/orphan-sweeper.js';
import { TrainingQueue } from '../queue/training-queue.js';
import { TrainingWorker } from '../queue/training-worker.js';
import { closeRedis, createRedis } from '../redis/connection.js';
import { redisKeys } from '../redis/keys.js';
import { DatasetService } from './dataset-service.js';
import { DatasetStore } from './dataset-store.js';
import { JobService } from './job-service.js';
import { JobStore } from './job-store.js';

export interface ApiRuntime {
  app: FastifyInstance;
  redis: Redis;
  queue: TrainingQueue;
  close(): Promise<void>;
}

/** Builds the API (not listening) with its own producer connection. */
export async function createApi(config: Config, redisUrl: string, logger: Logger): Promise<ApiRuntime> {
  const keys = redisKeys(config.KEY_PREFIX);
  const redis = createRedis(redisUrl, 'producer', 'trainyard-api', logger, {
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  const store = new JobStore(redis, keys);
  const queue = new TrainingQueue({ connection: redis, keys, attempts: config.JOB_ATTEMPTS });
  const datasetStore = new DatasetStore(redis, keys);
  const jobs = new JobService(
    store,
    queue,
    {
      maxPredictRows: config.MAX_PREDICT_ROWS,
      maxActiveJobs: config.MAX_ACTIVE_JOBS,
      maxActivationBytes: config.MAX_ACTIVATION_BYTES,
    },
    datasetStore,
  );
  const datasets = new DatasetService(datasetStore, {
    maxBytes: config.MAX_DATASET_BYTES,
    maxRows: config.MAX_SAMPLES,
    maxFeatures: config.MAX_FEATURES,
  });
  const app = await buildApp({ config, redis, store, jobs, datasets, logger, queue });
  try {
    await checkAuthAtStartup(config, app.auth.keys, logger);
  } catch (err) {
    await app.close();
    await queue.close();
    await closeRedis(redis);
    throw err;
  }
  return {
    app,
    redis,
    queue,
    async close() {
      await app.close();
      await queue.close();
      await closeRedis(redis);
    },
  };
}

export interface WorkerRuntime {
  worker: TrainingWorker;
  /** Stops taking jobs, drains or hands back running ones, and disconnects; safe to call twice. */
  close(): Promise<void>;
}

/** Starts a training worker (BullMQ consumer + training threads) with its own connection. */
export async function startWorker(config: Config, redisUrl: string, logger: Logger): Promise<WorkerRuntime> {
  const keys = redisKeys(config.KEY_PREFIX);
  const redis = createRedis(redisUrl, 'consumer', 'trainyard-worker', logger);
  const store = new JobStore(redis, keys);
  const stats = new TrainingStatsWriter(redis, keys, config.WORKER_CONCURRENCY);
  const worker = new TrainingWorker({
    connection: redis,
    store,
    datasets: new DatasetStore(redis, keys),
    fashionMnistDir: config.FASHION_MNIST_DIR,
    concurrency: config.WORKER_CONCURRENCY,
    cores: new CoreBudget(config.INTRA_OP_THREADS),
    trainingNice: config.TRAINING_NICE,
    redisRetryMs: config.REDIS_RETRY_MS,
    logger,
    stats,
    stall: {
      lockDurationMs: config.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: config.WORKER_MAX_STALLED_COUNT,
    },
  });
  await worker.start();
  const queue = new TrainingQueue({ connection: redis, keys, attempts: config.JOB_ATTEMPTS });
  const sweeper = new OrphanSweeper({
    store,
    queue,
    logger,
    intervalMs: config.ORPHAN_SWEEP_INTERVAL_MS,
    minAgeMs: config.ORPHAN_MIN_AGE_MS,
  });
  sweeper.start();
  // The scalar kernel (a host without WebAssembly SIMD or FMA) trains several times slower.
  logger.info(
    {
      concurrency: config.WORKER_CONCURRENCY,
      intra_op_threads: config.INTRA_OP_THREADS,
      training_nice: config.TRAINING_NICE,
      gemm: gemmBackend(),
    },
    'worker started',
  );
  let closing: Promise<void> | undefined;
  return {
    worker,
    // Idempotent: a second call (a second signal, a test's early close) waits for the first.
    close() {
      closing ??= (async () => {
        await sweeper.stop();
        await queue.close();
        await worker.close(config.SHUTDOWN_TIMEOUT_MS);
        await stats.close();
        await closeRedis(redis);
      })();
      return closing;
    },
  };
}
