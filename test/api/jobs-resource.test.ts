/** Listing with cursors and filters, deleting, idempotent submission, health and readiness. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let worker: Awaited<ReturnType<typeof startTestWorker>>;
const config = testConfig();
const created: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  api = await startTestApi(config, redis.url);
  // Five jobs before any worker exists (queued), then a worker runs them; cancel one first.
  for (let i = 0; i < 5; i++) {
    const res = await request(`${api.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2, name: `job-${i}` }) });
    created.push(res.body.id);
  }
  await request(`${api.url}/v1/jobs/${created[1]}/cancel`, { method: 'POST' });
  worker = await startTestWorker(config, redis.url);
  for (const id of created) await waitForStatus(api.url, id, ['succeeded', 'cancelled']);
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await redis?.stop();
});

describe('GET /v1/jobs', () => {
  it('lists newest first with cursor pagination', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await request(
        `${api.url}/v1/jobs?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((j) => j.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...created].reverse());
  });

  it('applies the status filter before the limit', async () => {
    const cancelled = await request(`${api.url}/v1/jobs?status=cancelled&limit=1`);
    expect(cancelled.body.data.map((j: { id: string }) => j.id)).toEqual([created[1]]);
    expect(cancelled.body.next_cursor).toBeNull();
    const succeeded = await request(`${api.url}/v1/jobs?status=succeeded&limit=3`);
    expect(succeeded.body.data.map((j: { id: string }) => j.id)).toEqual([
      created[4],
      created[3],
      created[2],
    ]);
    const rest = await request(
      `${api.url}/v1/jobs?status=succeeded&limit=3&cursor=${succeeded.body.next_cursor}`,
    );
    expect(rest.body.data.map((j: { id: string }) => j.id)).toEqual([created[0]]);
  });
});

describe('DELETE /v1/jobs/{id}', () => {
  it('removes a finished job and its data', async () => {
    const id = created[0];
    expect((await request(`${api.url}/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(`${api.url}/v1/jobs/${id}`)).status).toBe(404);
    expect((await request(`${api.url}/v1/jobs/${id}/model`)).status).toBe(404);
    const keys = await api.api.redis.keys(`${config.KEY_PREFIX}:job:${id}*`);
    expect(keys).toEqual([]);
    const list = await request(`${api.url}/v1/jobs?limit=100`);
    expect(list.body.data.map((j: { id: string }) => j.id)).not.toContain(id);
  });

  it('refuses to delete an unfinished job', async () => {
    const idle = await startTestApi(testConfig(), redis.url); // no worker on this prefix
    try {
      const { body } = await request(`${idle.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
      const res = await request(`${idle.url}/v1/jobs/${body.id}`, { method: 'DELETE' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('job_not_finished');
    } finally {
      await idle.close();
    }
  });

  it('model download is 409 before success', async () => {
    const res = await request(`${api.url}/v1/jobs/${created[1]}/model`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('model_not_available');
  });
});

describe('Idempotency-Key', () => {
  it('returns the same job for a retried POST', async () => {
    const body = simpleNNJob({ epochs: 1 });
    const headers = { 'idempotency-key': 'retry-123' };
    const first = await request(`${api.url}/v1/jobs`, { body, headers });
    const second = await request(`${api.url}/v1/jobs`, { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(`/v1/jobs/${first.body.id}`);
  });

  it('rejects the same key with a different body', async () => {
    const headers = { 'idempotency-key': 'retry-456' };
    await request(`${api.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }), headers });
    const res = await request(`${api.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2 }), headers });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
  });
});

describe('health', () => {
  it('answers /health, /ready, /docs and 404 problems', async () => {
    expect((await request(`${api.url}/health`)).body).toEqual({ status: 'ok' });
    expect((await request(`${api.url}/ready`)).body).toEqual({ status: 'ok' });
    const docs = await fetch(`${api.url}/docs`);
    expect(docs.status).toBe(200);
    const missing = await request(`${api.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('route_not_found');
    expect(missing.headers.get('x-request-id')).toBeTruthy();
  });
});
