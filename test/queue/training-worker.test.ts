/**
 * The worker: jobs train in parallel in worker threads, a diverging job fails with code
 * `diverged` and is not retried, and a worker shutting down hands its running job back to the
 * queue for another worker.
 */
import { describe, expect, it } from 'vitest';
import { simpleData, simpleNNJob } from '../helpers/jobs.js';
import {
  request,
  startTestWorker,
  testConfig,
  useTestService,
  waitFor,
  waitForStatus,
} from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const config = testConfig({ WORKER_CONCURRENCY: '2', SHUTDOWN_TIMEOUT_MS: '300' });
const service = useTestService(config, { worker: false }); // each test starts its own workers

describe('training worker', () => {
  it('trains two jobs in parallel, off the event loop', async () => {
    const worker = await startTestWorker(config, service.redis.url);
    try {
      const a = await request(`${service.url}/v1/jobs`, {
        body: simpleNNJob({ epochs: 1500, samples: 200, name: 'a' }),
      });
      const b = await request(`${service.url}/v1/jobs`, {
        body: simpleNNJob({ epochs: 1500, samples: 200, name: 'b' }),
      });
      // The API stays responsive while both train.
      await waitForStatus(service.url, b.body.id, ['running']);
      const t0 = performance.now();
      expect((await request(`${service.url}/health`)).status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(200);
      const [ja, jb] = await Promise.all([
        waitForStatus(service.url, a.body.id, ['succeeded'], 60_000),
        waitForStatus(service.url, b.body.id, ['succeeded'], 60_000),
      ]);
      const overlap =
        Date.parse(ja.started_at) < Date.parse(jb.finished_at) &&
        Date.parse(jb.started_at) < Date.parse(ja.finished_at);
      expect(overlap).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('skips a queue entry without a job record (a deleted job, say), then trains on', async () => {
    const worker = await startTestWorker(config, service.redis.url);
    try {
      const queue = service.api.api.queue;
      const ghost = `job_${'0'.repeat(25)}1`; // a well-formed id no record has
      await queue.enqueue(ghost);
      const real = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2 }) });
      await waitForStatus(service.url, real.body.id, ['succeeded'], 30_000);
      // Taken first and completed as a no-op (removed on completion), never failed or retried.
      await waitFor(async () => ((await queue.has(ghost)) ? undefined : true));
      expect((await request(`${service.url}/v1/jobs/${ghost}`)).status).toBe(404);
    } finally {
      await worker.close();
    }
  });

  it('fails a diverging job with code diverged, without retrying it', async () => {
    const worker = await startTestWorker(config, service.redis.url);
    try {
      const { x } = simpleData(50);
      const job = {
        model: { layers: [{ type: 'Linear', in_features: 10, out_features: 1 }] },
        loss: { type: 'MSELoss' },
        optimizer: { type: 'SGD', lr: 1e30 },
        data: { x, y: x.map((r) => [r[0] * 1e6]) },
        training: { epochs: 50, batch_size: 50 },
      };
      const created = await request(`${service.url}/v1/jobs`, { body: job });
      expect(created.status).toBe(201);
      const failed = await waitForStatus(service.url, created.body.id, ['failed', 'succeeded']);
      expect(failed.status).toBe('failed');
      expect(failed.error.code).toBe('diverged');
      expect(failed.error.message).toMatch(/loss became/);
      const sse = await readSse(`${service.url}/v1/jobs/${created.body.id}/events`);
      expect(sse.events.at(-1)).toMatchObject({
        event: 'done',
        data: { status: 'failed', error: { code: 'diverged' } },
      });
      // Wait past the retry backoff: it must not run again.
      await new Promise((r) => setTimeout(r, 1500));
      const again = await readSse(`${service.url}/v1/jobs/${created.body.id}/events`);
      expect(again.events.filter((e) => e.data.status === 'running')).toHaveLength(1);
      const bull = await service.api.api.queue.queue.getJob(created.body.id);
      expect(bull?.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });

  it('on shutdown, hands a running job back to the queue; another worker finishes it', async () => {
    const first = await startTestWorker(config, service.redis.url);
    const created = await request(`${service.url}/v1/jobs`, {
      body: simpleNNJob({ epochs: 4000, samples: 300 }),
    });
    const id = created.body.id;
    await readSse(`${service.url}/v1/jobs/${id}/events`, { stopAfter: 4 });
    await first.close(); // waits SHUTDOWN_TIMEOUT_MS, then interrupts and re-queues
    const requeued = await request(`${service.url}/v1/jobs/${id}`);
    expect(requeued.body.status).toBe('queued');

    const second = await startTestWorker(config, service.redis.url);
    try {
      const done = await waitForStatus(service.url, id, ['succeeded', 'failed', 'cancelled'], 60_000);
      expect(done.status).toBe('succeeded');
      expect(done.progress.epoch).toBe(4000);
    } finally {
      await second.close();
    }
  });
});
