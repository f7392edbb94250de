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
import { request, startTestWorker, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const config = testConfig({ ORPHAN_MIN_AGE_MS: '0', ORPHAN_SWEEP_INTERVAL_MS: '200' });
const service = useTestService(config, { worker: false });
let client: ReturnType<typeof createRedis>;

beforeAll(() => {
  client = createRedis(service.redis.url, 'producer');
});

afterAll(() => {
  client?.disconnect();
});

/** A job created through the API whose queue entry is then taken away: an orphan. */
async function orphanedJob(): Promise<string> {
  const created = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 3 }) });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  const { queue } = service.api.api;
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
      queue: service.api.api.queue,
      logger: createLogger(config, 'worker'),
      intervalMs: 60_000,
      minAgeMs: 60_000,
    });
    expect(await sweeper.sweepOnce()).toEqual([]); // too young: its API call may still be enqueueing
    expect(await service.api.api.queue.has(id)).toBe(false);
    const later = Date.now() + 61_000;
    expect(await sweeper.sweepOnce(later)).toEqual([id]);
    expect(await service.api.api.queue.has(id)).toBe(true);
    expect(await sweeper.sweepOnce(later)).toEqual([]); // on the queue now
    await service.api.api.queue.remove(id); // leave nothing behind for the next test
  });

  it('run to success on a worker that sweeps', async () => {
    const id = await orphanedJob();
    const worker = await startTestWorker(config, service.redis.url);
    try {
      const job = await waitForStatus(service.url, id, ['succeeded'], 30_000);
      expect(job.progress.epoch).toBe(3);
    } finally {
      await worker.close();
    }
  });
});
