/**
 * The user's failures end a job at once, with a stable code and the epoch, and are not retried:
 * `training.max_runtime_s` (code `timeout`) and a NaN/Inf loss (code `diverged`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simpleData, simpleNNJob } from '../helpers/jobs.js';
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
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const config = testConfig({ WORKER_CONCURRENCY: '2', JOB_ATTEMPTS: '3' });

beforeAll(async () => {
  redis = await startTestRedis();
  api = await startTestApi(config, redis.url);
  worker = await startTestWorker(config, redis.url);
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await redis?.stop();
});

describe('user errors', () => {
  it('max_runtime_s fails the job with code timeout and its epoch, once', async () => {
    const job = simpleNNJob({ epochs: 100_000, samples: 200 });
    const created = await request(`${api.url}/v1/jobs`, {
      body: { ...job, training: { ...job.training, max_runtime_s: 0.5 } },
    });
    expect(created.status).toBe(201);
    const failed = await waitForStatus(api.url, created.body.id, ['failed', 'succeeded'], 20_000);
    expect(failed.error).toMatchObject({ code: 'timeout' });
    expect(failed.error.epoch).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 1200)); // past the retry backoff
    expect((await api.api.queue.queue.getJob(created.body.id))?.attemptsMade).toBe(1);
  });

  it('a NaN loss fails the job with code diverged and the epoch, once', async () => {
    const { x } = simpleData(50);
    const created = await request(`${api.url}/v1/jobs`, {
      body: {
        model: { layers: [{ type: 'Linear', in_features: 10, out_features: 1 }] },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'SGD', lr: 1e30 },
        data: { x, y: x.map((r) => [r[0] * 1e6]) },
        training: { epochs: 50, batch_size: 50 },
      },
    });
    const failed = await waitForStatus(api.url, created.body.id, ['failed', 'succeeded']);
    expect(failed.error).toMatchObject({ code: 'diverged' });
    expect(failed.error.epoch).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await api.api.queue.queue.getJob(created.body.id))?.attemptsMade).toBe(1);
  });
});
