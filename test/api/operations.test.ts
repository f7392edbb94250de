/**
 * Operations: `GET /metrics` (Prometheus text) moves when a job runs — HTTP durations, jobs by
 * status, queue depth, epochs/samples and epoch-duration histogram from the workers, SSE
 * connections — and bull-board at /admin/queues answers only with the admin key.
 */
import { describe, expect, it } from 'vitest';
import { simpleNNJob } from '../helpers/jobs.js';
import {
  request,
  startTestApi,
  testConfig,
  useTestService,
  waitFor,
  waitForStatus,
} from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const config = testConfig({ ADMIN_API_KEY: ADMIN_KEY });
const service = useTestService(config);

/** Samples by metric name and label set, e.g. `trainyard_jobs{status="succeeded"}`. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${service.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

describe('GET /metrics', () => {
  it('moves when a job runs', async () => {
    const before = await scrape();
    expect(before.get('trainyard_training_epochs_total')).toBe(0);
    expect(before.get('trainyard_jobs{status="succeeded"}')).toBe(0);
    expect(before.get('trainyard_queue_jobs{state="waiting"}')).toBe(0);
    expect(before.get('trainyard_sse_connections')).toBe(0);

    const { body } = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 15 }) });
    const sse = await readSse(`${service.url}/v1/jobs/${body.id}/events`, { stopAfter: 1 });
    expect(sse.events.length).toBeGreaterThanOrEqual(1);
    await waitForStatus(service.url, body.id, ['succeeded']);

    const after = await waitFor(async () => {
      const m = await scrape();
      return m.get('trainyard_training_epochs_total') === 15 ? m : undefined;
    });
    expect(after.get('trainyard_jobs{status="succeeded"}')).toBe(1);
    expect(after.get('trainyard_jobs{status="running"}')).toBe(0);
    expect(after.get('trainyard_training_samples_total')).toBe(15 * 100);
    expect(after.get('trainyard_epoch_duration_seconds_count')).toBe(15);
    expect(after.get('trainyard_epoch_duration_seconds_bucket{le="+Inf"}')).toBe(15);
    expect(after.get('trainyard_epoch_duration_seconds_sum')).toBeGreaterThan(0);
    expect(after.get('trainyard_sse_connections')).toBe(0);
    const created =
      'trainyard_http_request_duration_seconds_count{method="POST",route="/v1/jobs",status_code="201"}';
    expect(after.get(created)).toBe(1);
    const polled = [...after.keys()].find((k) =>
      k.startsWith('trainyard_http_request_duration_seconds_count{method="GET",route="/v1/jobs/:id",'),
    );
    expect(polled).toBeDefined();
    const workers = [...after.keys()].filter((k) => k.startsWith('trainyard_worker_threads{'));
    expect(workers).toHaveLength(1);
    expect(after.get(workers[0])).toBe(2);
  });

  it('counts open SSE connections and busy worker threads while a job trains', async () => {
    const { body } = await request(`${service.url}/v1/jobs`, {
      body: simpleNNJob({ epochs: 50_000, samples: 400 }),
    });
    const controller = new AbortController();
    const stream = fetch(`${service.url}/v1/jobs/${body.id}/events`, { signal: controller.signal });
    const during = await waitFor(async () => {
      const m = await scrape();
      const busy = [...m].find(([k]) => k.startsWith('trainyard_worker_threads_busy{'))?.[1];
      return m.get('trainyard_sse_connections') === 1 && busy === 1 ? m : undefined;
    });
    expect(during.get('trainyard_jobs{status="running"}')).toBe(1);
    expect(during.get('trainyard_queue_jobs{state="active"}')).toBe(1);
    expect(during.get('trainyard_training_samples_per_second')).toBeGreaterThanOrEqual(0);
    controller.abort();
    await stream.catch(() => {});
    await request(`${service.url}/v1/jobs/${body.id}/cancel`, { method: 'POST' });
    await waitForStatus(service.url, body.id, ['cancelled']);
    await waitFor(async () => ((await scrape()).get('trainyard_sse_connections') === 0 ? true : undefined));
  });
});

describe('bull-board at /admin/queues', () => {
  it('needs the admin key (Bearer or Basic password)', async () => {
    const anonymous = await fetch(`${service.url}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${service.url}/admin/queues`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const basic = Buffer.from(`ops:${ADMIN_KEY}`).toString('base64');
    const page = await fetch(`${service.url}/admin/queues`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const queues = await fetch(`${service.url}/admin/queues/api/queues`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(queues.status).toBe(200);
    expect(JSON.stringify(await queues.json())).toContain('training');
  });

  it('is not mounted without ADMIN_API_KEY, and stays out of the OpenAPI document', async () => {
    const plain = await startTestApi(testConfig(), service.redis.url);
    try {
      expect((await fetch(`${plain.url}/admin/queues`)).status).toBe(404);
    } finally {
      await plain.close();
    }
    const doc = await request(`${service.url}/openapi.json`);
    expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/admin') || p === '/metrics')).toBe(false);
  });
});
