/** Listing with cursors and filters, deleting, idempotent submission, health and readiness. */
import { beforeAll, describe, expect, it } from 'vitest';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, startTestApi, testConfig, useTestService, waitForStatus } from '../helpers/service.js';

const service = useTestService(testConfig(), { worker: false });
const created: string[] = [];

beforeAll(async () => {
  // Five jobs before any worker exists (queued), then a worker runs them; cancel one first.
  for (let i = 0; i < 5; i++) {
    const res = await request(`${service.url}/v1/jobs`, {
      body: simpleNNJob({ epochs: 2, name: `job-${i}` }),
    });
    created.push(res.body.id);
  }
  await request(`${service.url}/v1/jobs/${created[1]}/cancel`, { method: 'POST' });
  await service.startWorker();
  for (const id of created) await waitForStatus(service.url, id, ['succeeded', 'cancelled']);
});

describe('GET /v1/jobs', () => {
  it('lists newest first with cursor pagination', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: { id: string }[]; next_cursor: string | null } } = await request(
        `${service.url}/v1/jobs?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((j) => j.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...created].reverse());
  });

  it('applies the status filter before the limit', async () => {
    const cancelled = await request(`${service.url}/v1/jobs?status=cancelled&limit=1`);
    expect(cancelled.body.data.map((j: { id: string }) => j.id)).toEqual([created[1]]);
    expect(cancelled.body.next_cursor).toBeNull();
    const succeeded = await request(`${service.url}/v1/jobs?status=succeeded&limit=3`);
    expect(succeeded.body.data.map((j: { id: string }) => j.id)).toEqual([
      created[4],
      created[3],
      created[2],
    ]);
    const rest = await request(
      `${service.url}/v1/jobs?status=succeeded&limit=3&cursor=${succeeded.body.next_cursor}`,
    );
    expect(rest.body.data.map((j: { id: string }) => j.id)).toEqual([created[0]]);
  });
});

describe('DELETE /v1/jobs/{id}', () => {
  it('removes a finished job and its data', async () => {
    const id = created[0];
    expect((await request(`${service.url}/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(`${service.url}/v1/jobs/${id}`)).status).toBe(404);
    expect((await request(`${service.url}/v1/jobs/${id}/model`)).status).toBe(404);
    const keys = await service.api.api.redis.keys(`${service.config.KEY_PREFIX}:job:${id}*`);
    expect(keys).toEqual([]);
    const list = await request(`${service.url}/v1/jobs?limit=100`);
    expect(list.body.data.map((j: { id: string }) => j.id)).not.toContain(id);
  });

  it('refuses to delete an unfinished job', async () => {
    const idle = await startTestApi(testConfig(), service.redis.url); // no worker on this prefix
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
    const res = await request(`${service.url}/v1/jobs/${created[1]}/model`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('model_not_available');
  });
});

describe('Idempotency-Key', () => {
  it('returns the same job for a retried POST', async () => {
    const body = simpleNNJob({ epochs: 1 });
    const headers = { 'idempotency-key': 'retry-123' };
    const first = await request(`${service.url}/v1/jobs`, { body, headers });
    const second = await request(`${service.url}/v1/jobs`, { body, headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(`/v1/jobs/${first.body.id}`);
  });

  it('rejects the same key with a different body', async () => {
    const headers = { 'idempotency-key': 'retry-456' };
    await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }), headers });
    const res = await request(`${service.url}/v1/jobs`, { body: simpleNNJob({ epochs: 2 }), headers });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
  });
});

describe('health', () => {
  it('answers /health, /ready, /docs and 404 problems', async () => {
    expect((await request(`${service.url}/health`)).body).toEqual({ status: 'ok' });
    expect((await request(`${service.url}/ready`)).body).toEqual({ status: 'ok' });
    const docs = await fetch(`${service.url}/docs`);
    expect(docs.status).toBe(200);
    const missing = await request(`${service.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('route_not_found');
    expect(missing.headers.get('x-request-id')).toBeTruthy();
  });
});
