/**
 * Issue 18, item 2: Redis at maxmemory. While it refuses writes the API answers 503
 * `redis_unavailable` with Retry-After (not 500), /ready is not ready, and a running job's epoch
 * commits wait with backoff instead of burning its JOB_ATTEMPTS; once memory is back (`config set
 * maxmemory 0`) every accepted job runs to the end with every epoch once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/connection.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, testConfig, useTestService, waitFor } from '../helpers/service.js';

const service = useTestService(testConfig({ WORKER_CONCURRENCY: '1', JOB_ATTEMPTS: '2' }));
let admin: ReturnType<typeof createRedis> | undefined;
afterAll(() => admin?.disconnect());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = async (id: string) => (await request(`${service.url}/v1/jobs/${id}`)).body;

describe('Redis at maxmemory', () => {
  it('refuses new work with 503, pauses running jobs, and loses no accepted job', async () => {
    admin = createRedis(service.redis.url, 'producer', 'oom-test');
    const running = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 400 }) });
    const waiting = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 20 }) });
    expect([running.status, waiting.status]).toEqual([201, 201]);
    await waitFor(async () => ((await status(running.body.id)).progress?.epoch >= 2 ? true : undefined));

    await admin.config('SET', 'maxmemory', '1');
    try {
      const submit = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
      expect(submit.status).toBe(503);
      expect(submit.body.code).toBe('redis_unavailable');
      expect(Number(submit.headers.get('retry-after'))).toBeGreaterThan(0);
      const upload = await fetch(`${service.url}/v1/datasets?target=y`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: 'a,b,y\n1,2,0\n3,4,1\n',
      });
      expect(upload.status).toBe(503);
      expect(((await upload.json()) as { code: string }).code).toBe('redis_unavailable');
      const ready = await fetch(`${service.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).not.toBeNull();
      // Longer than both attempts used to last: the job must still be alive.
      await sleep(3000);
      expect(['running', 'queued']).toContain((await status(running.body.id)).status);
      expect((await status(waiting.body.id)).status).toBe('queued');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }

    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
    for (const id of [running.body.id, waiting.body.id]) {
      const done = await waitFor(
        async () => {
          const job = await status(id);
          return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : undefined;
        },
        60_000,
        100,
      );
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      const epochs = (await request(`${service.url}/v1/jobs/${id}/metrics`)).body.epochs.map(
        (m: { epoch: number }) => m.epoch,
      );
      expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, k) => k + 1));
    }
    const after = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
    expect(after.status).toBe(201);
  }, 120_000);
});
