/**
 * The user's failures end a job at once, with a stable code and the epoch, and are not retried:
 * `training.max_runtime_s` (code `timeout`) and a NaN/Inf loss (code `diverged`).
 */
import { describe, expect, it } from 'vitest';
import { simpleData, simpleNNJob } from '../helpers/jobs.js';
import { request, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const config = testConfig({ WORKER_CONCURRENCY: '2', JOB_ATTEMPTS: '3' });
const service = useTestService(config);

describe('user errors', () => {
  it('max_runtime_s fails the job with code timeout and its epoch, once', async () => {
    const job = simpleNNJob({ epochs: 100_000, samples: 200 });
    const created = await request(`${service.url}/v1/jobs`, {
      body: { ...job, training: { ...job.training, max_runtime_s: 0.5 } },
    });
    expect(created.status).toBe(201);
    const failed = await waitForStatus(service.url, created.body.id, ['failed', 'succeeded'], 20_000);
    expect(failed.error).toMatchObject({ code: 'timeout' });
    expect(failed.error.epoch).toBeGreaterThan(1);
    await new Promise((r) => setTimeout(r, 1200)); // past the retry backoff
    expect((await service.api.api.queue.queue.getJob(created.body.id))?.attemptsMade).toBe(1);
  });

  it('a NaN loss fails the job with code diverged and the epoch, once', async () => {
    const { x } = simpleData(50);
    const created = await request(`${service.url}/v1/jobs`, {
      body: {
        model: { layers: [{ type: 'Linear', in_features: 10, out_features: 1 }] },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'SGD', lr: 1e30 },
        data: { x, y: x.map((r) => [r[0] * 1e6]) },
        training: { epochs: 50, batch_size: 50 },
      },
    });
    const failed = await waitForStatus(service.url, created.body.id, ['failed', 'succeeded']);
    expect(failed.error).toMatchObject({ code: 'diverged' });
    expect(failed.error.epoch).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await service.api.api.queue.queue.getJob(created.body.id))?.attemptsMade).toBe(1);
  });
});
