/**
 * Builds the OpenAPI document without connecting anywhere: the real app, with a Redis client that
 * never connects and a queue that is never used (no requests are served). Used by
 * `npm run openapi` and by the test that fails when openapi/openapi.json is stale.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadConfig } from '../config.js';
import type { TrainingQueue } from '../queue/training-queue.js';
import { redisKeys } from '../redis/keys.js';
import { DatasetService } from '../service/dataset-service.js';
import { DatasetStore } from '../service/dataset-store.js';
import { JobService } from '../service/job-service.js';
import { JobStore } from '../service/job-store.js';
import { buildApp } from './app.js';

export async function buildOpenApiDocument(): Promise<unknown> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const redis = new Redis({ lazyConnect: true });
  const store = new JobStore(redis, redisKeys(config.KEY_PREFIX));
  const datasetStore = new DatasetStore(redis, store.keys);
  const jobs = new JobService(store, null as unknown as TrainingQueue, { maxPredictRows: 1 }, datasetStore);
  const datasets = new DatasetService(datasetStore, { maxBytes: 1024, maxRows: 1 });
  const app = await buildApp({ config, redis, store, jobs, datasets, logger: pino({ level: 'silent' }) });
  await app.ready();
  const document = app.swagger();
  await app.close();
  redis.disconnect();
  return document;
}

export function serializeOpenApi(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
