/**
 * Composition root: wires config, Redis connections, the job store, the queue, the API and the
 * training worker for one process role. Entry points (scripts/start.ts) and tests call these.
 */
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { buildApp } from '../api/app.js';
import type { Config } from '../config.js';
import { TrainingQueue } from '../queue/training-queue.js';
import { TrainingWorker } from '../queue/training-worker.js';
import { closeRedis, createRedis } from '../redis/connection.js';
import { redisKeys } from '../redis/keys.js';
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
  const redis = createRedis(redisUrl, 'producer', 'trainyard-api', logger);
  const store = new JobStore(redis, keys);
  const queue = new TrainingQueue({ connection: redis, keys, attempts: config.JOB_ATTEMPTS });
  const jobs = new JobService(store, queue, { maxPredictRows: config.MAX_PREDICT_ROWS });
  const app = await buildApp({ config, redis, store, jobs, logger });
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
  close(): Promise<void>;
}

/** Starts a training worker (BullMQ consumer + training threads) with its own connection. */
export async function startWorker(config: Config, redisUrl: string, logger: Logger): Promise<WorkerRuntime> {
  const keys = redisKeys(config.KEY_PREFIX);
  const redis = createRedis(redisUrl, 'consumer', 'trainyard-worker', logger);
  const store = new JobStore(redis, keys);
  const worker = new TrainingWorker({
    connection: redis,
    store,
    concurrency: config.WORKER_CONCURRENCY,
    logger,
  });
  await worker.start();
  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  return {
    worker,
    async close() {
      await worker.close(config.SHUTDOWN_TIMEOUT_MS);
      await closeRedis(redis);
    },
  };
}
