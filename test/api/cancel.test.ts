/** Cancelling: a queued job never runs; a running job stops within a second, via Redis pub/sub. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longJob, simpleNNJob } from '../helpers/jobs.js';
import {
  request,
  startTestApi,
  type TestApi,
  testConfig,
  useTestService,
  waitForStatus,
} from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const service = useTestService(testConfig({ WORKER_CONCURRENCY: '1' }), { worker: false });
let otherApi: TestApi;

beforeAll(async () => {
  // A second API instance with its own connections: it shares nothing with the first but Redis.
  otherApi = await startTestApi(service.config, service.redis.url);
});

afterAll(async () => {
  await otherApi?.close();
});

describe('cancel', () => {
  it('cancels a queued job, which then never runs', async () => {
    const queued = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 5 }) });
    const res = await request(`${service.url}/v1/jobs/${queued.body.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    expect(res.body.finished_at).not.toBeNull();

    // Now start a worker and let it process a later job: the cancelled one must not run.
    await service.startWorker();
    const later = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2 }) });
    await waitForStatus(service.url, later.body.id, ['succeeded']);

    const sse = await readSse(`${service.url}/v1/jobs/${queued.body.id}/events`);
    expect(sse.events.map((e) => [e.event, e.data.status])).toEqual([
      ['status', 'queued'],
      ['status', 'cancelled'],
      ['done', 'cancelled'],
    ]);
    const after = await request(`${service.url}/v1/jobs/${queued.body.id}`);
    expect(after.body).toMatchObject({ status: 'cancelled', started_at: null, progress: { epoch: 0 } });
  });

  it('stops a running job within a second when another API instance receives the cancel', async () => {
    const created = await request(`${service.url}/v1/jobs`, { body: longJob() });
    const id = created.body.id;
    // Wait until it is training (a few epochs done).
    await readSse(`${service.url}/v1/jobs/${id}/events`, { stopAfter: 5 });

    const watching = readSse(`${service.url}/v1/jobs/${id}/events`);
    const sent = Date.now();
    const res = await request(`${otherApi.url}/v1/jobs/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const sse = await watching;
    const elapsed = Date.now() - sent;
    expect(sse.events.at(-1)).toMatchObject({ event: 'done', data: { status: 'cancelled' } });
    expect(elapsed).toBeLessThan(1000);

    const job = await waitForStatus(service.url, id, ['cancelled']);
    expect(job.progress.epoch).toBeLessThan(50_000);
    // It stays stopped: no more epochs after the cancel.
    await new Promise((r) => setTimeout(r, 300));
    const again = await request(`${service.url}/v1/jobs/${id}`);
    expect(again.body.progress.epoch).toBe(job.progress.epoch);
  });

  it('answers 409 for a finished job and 404 for an unknown one', async () => {
    const created = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2 }) });
    await waitForStatus(service.url, created.body.id, ['succeeded']);
    const finished = await request(`${service.url}/v1/jobs/${created.body.id}/cancel`, { method: 'POST' });
    expect(finished.status).toBe(409);
    expect(finished.body.code).toBe('job_finished');
    const unknown = await request(`${service.url}/v1/jobs/job_nope/cancel`, { method: 'POST' });
    expect(unknown.status).toBe(404);
  });
});
