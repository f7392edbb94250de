/**
 * A job stored as queued whose BullMQ entry never arrived (Redis or the API failed between the
 * two steps of creating it) is found by the workers' sweep and runs; one that is merely young, or
 * already on the queue, is left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrphanSweeper } from '../../src/queue/orphan-sweeper.js';
import { createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/keys.js';
import { JobStore } from '../../src/service/job-store.js';
import { createLogger } from '../../src/service/logger.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import {
  request,
  startTestApi,
  startTestWorker,
  type TestApi,
  testConfig,
  waitForStatus,
} from '../helpers/service.js';

let redis: TestRedis;
let api: TestApi;
let client: ReturnType<typeof createRedis>;
const config = testConfig({ ORPHAN_MIN_AGE_MS: '0', ORPHAN_SWEEP_INTERVAL_MS: '200' });

beforeAll(async () => {
  redis = await startTestRedis();
  api = await startTestApi(config, redis.url);
  client = createRedis(redis.url, 'producer');
});

afterAll(async () => {
  client?.disconnect();
  await api?.close();
  await redis?.stop();
});

/** A job created through the API whose queue entry is then taken away: an orphan. */
async function orphanedJob(): Promise<string> {
  const created = await request(`${api.url}/v1/jobs`, { body: simpleNNJob({ epochs: 3 }) });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const { queue } = api.api;
  expect(await queue.has(id)).toBe(true);
  await queue.remove(id);
  expect(await queue.has(id)).toBe(false);
  return id;
}

describe('orphaned queued jobs', () => {
  it('are enqueued once they are old enough, and only once', async () => {
    const id = await orphanedJob();
    const sweeper = new OrphanSweeper({
      store: new JobStore(client, redisKeys(config.KEY_PREFIX)),
      queue: api.api.queue,
      logger: createLogger(config, 'worker'),
      intervalMs: 60_000,
      minAgeMs: 60_000,
    });
    expect(await sweeper.sweepOnce()).toEqual([]); // too young: its API call may still be enqueueing
    expect(await api.api.queue.has(id)).toBe(false);
    const later = Date.now() + 61_000;
    expect(await sweeper.sweepOnce(later)).toEqual([id]);
    expect(await api.api.queue.has(id)).toBe(true);
    expect(await sweeper.sweepOnce(later)).toEqual([]); // on the queue now
    await api.api.queue.remove(id); // leave nothing behind for the next test
  });

  it('run to success on a worker that sweeps', async () => {
    const id = await orphanedJob();
    const worker = await startTestWorker(config, redis.url);
    try {
      const job = await waitForStatus(api.url, id, ['succeeded'], 30_000);
      expect(job.progress.epoch).toBe(3);
    } finally {
      await worker.close();
    }
  });
});
