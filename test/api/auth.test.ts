/**
 * API keys and tenants: every endpoint answers another tenant's job exactly like a missing one
 * (404, same body shape), keys come from the environment and from Redis (hashed, revocable),
 * event streams take the key or a short-lived token, and AUTH_REQUIRED refuses to start without
 * keys.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { EventTokens } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config.js';
import { redisKeys } from '../../src/redis/keys.js';
import { createLogger } from '../../src/service/logger.js';
import { createApi } from '../../src/service/runtime.js';
import { simpleNNJob } from '../helpers/jobs.js';
import { request, startTestApi, testConfig, useTestService } from '../helpers/service.js';
import { readSse } from '../helpers/sse.js';

const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const config = testConfig({ API_KEYS: `alice:${ALICE},bob:${BOB}` });
const service = useTestService(config);
let aliceJob: string;
let aliceQueued: string;
const MISSING = 'job_00000000000000000000000000';

beforeAll(async () => {
  const done = await request(`${service.url}/v1/jobs`, {
    body: simpleNNJob({ epochs: 2 }),
    headers: as(ALICE),
  });
  expect(done.status).toBe(201);
  aliceJob = done.body.id;
  await waitSucceeded(aliceJob, ALICE);
  await service.worker.close(); // from here on, new jobs stay queued
  const queued = await request(`${service.url}/v1/jobs`, {
    body: simpleNNJob({ epochs: 2 }),
    headers: as(ALICE),
  });
  aliceQueued = queued.body.id;
}, 60_000);

async function waitSucceeded(id: string, key: string) {
  for (let i = 0; i < 400; i++) {
    const res = await request(`${service.url}/v1/jobs/${id}`, { headers: as(key) });
    if (res.body.status === 'succeeded') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not succeed`);
}

describe('authentication', () => {
  it('requires a valid key on /v1 routes, and says so with a 401 problem', async () => {
    for (const headers of [{}, as('wrong-key-0123456789abcdef'), { authorization: 'Basic YWxpY2U6eA==' }]) {
      const res = await request(`${service.url}/v1/jobs`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
    }
    // Health and docs need no key.
    expect((await request(`${service.url}/health`)).status).toBe(200);
    expect((await request(`${service.url}/openapi.json`)).status).toBe(200);
  });

  it('accepts the key case-insensitively as a Bearer scheme', async () => {
    const res = await request(`${service.url}/v1/jobs/${aliceJob}`, {
      headers: { authorization: `bearer ${ALICE}` },
    });
    expect(res.status).toBe(200);
  });
});

describe('tenant isolation: another tenant gets exactly what a missing job gets', () => {
  type Call = [string, string, (id: string) => string, unknown?];
  const calls: Call[] = [
    ['GET job', 'GET', (id) => `/v1/jobs/${id}`],
    ['cancel', 'POST', (id) => `/v1/jobs/${id}/cancel`],
    ['delete', 'DELETE', (id) => `/v1/jobs/${id}`],
    ['metrics', 'GET', (id) => `/v1/jobs/${id}/metrics`],
    ['model', 'GET', (id) => `/v1/jobs/${id}/model`],
    ['model json', 'GET', (id) => `/v1/jobs/${id}/model?format=json`],
    ['predict', 'POST', (id) => `/v1/jobs/${id}/predict`, { x: [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0]] }],
    ['events', 'GET', (id) => `/v1/jobs/${id}/events`],
  ];

  it.each(calls)('%s → 404 job_not_found', async (_name, method, path, body) => {
    for (const id of [aliceJob, aliceQueued]) {
      const theirs = await request(`${service.url}${path(id)}`, { method, body, headers: as(BOB) });
      const missing = await request(`${service.url}${path(MISSING)}`, { method, body, headers: as(BOB) });
      expect(theirs.status).toBe(404);
      expect(theirs.body).toMatchObject({
        status: 404,
        code: 'job_not_found',
        detail: `No job with id ${id}`,
      });
      const strip = (b: Record<string, unknown>) => ({
        ...b,
        detail: undefined,
        instance: undefined,
        request_id: undefined,
      });
      expect(strip(theirs.body)).toEqual(strip(missing.body));
      // ... while the owner sees it.
      // (Cancel and delete would change the job, and a queued job's events stream stays open.)
      const mutates = method === 'DELETE' || /\/(cancel|events)$/.test(path(id));
      const own = await request(`${service.url}${mutates ? `/v1/jobs/${id}` : path(id)}`, {
        method: mutates ? 'GET' : method,
        body,
        headers: as(ALICE),
      });
      expect(own.status).not.toBe(404);
    }
    // Bob's attempts changed nothing.
    expect((await request(`${service.url}/v1/jobs/${aliceQueued}`, { headers: as(ALICE) })).body.status).toBe(
      'queued',
    );
  });

  it('lists only the tenant’s own jobs, with every status filter', async () => {
    const bobs = await request(`${service.url}/v1/jobs`, {
      body: simpleNNJob({ epochs: 2 }),
      headers: as(BOB),
    });
    for (const status of ['', '?status=queued', '?status=succeeded']) {
      const bob = await request(`${service.url}/v1/jobs${status}`, { headers: as(BOB) });
      const ids = bob.body.data.map((j: { id: string }) => j.id);
      expect(ids).not.toContain(aliceJob);
      expect(ids).not.toContain(aliceQueued);
    }
    expect(
      (await request(`${service.url}/v1/jobs`, { headers: as(BOB) })).body.data.map(
        (j: { id: string }) => j.id,
      ),
    ).toEqual([bobs.body.id]);
    const alice = await request(`${service.url}/v1/jobs`, { headers: as(ALICE) });
    expect(alice.body.data.map((j: { id: string }) => j.id)).toEqual([aliceQueued, aliceJob]);
  });

  it('keeps datasets per tenant: read, list, delete and train on them', async () => {
    const csv = 'a,b,label\n0,1,x\n1,0,y\n1,1,x\n0,0,y\n';
    const upload = await fetch(`${service.url}/v1/datasets`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...as(ALICE) },
      body: csv,
    });
    expect(upload.status).toBe(201);
    const id = ((await upload.json()) as { id: string }).id;
    const missing = 'ds_00000000000000000000000000';
    for (const [method, path] of [
      ['GET', `/v1/datasets/${id}`],
      ['DELETE', `/v1/datasets/${id}`],
    ] as const) {
      const theirs = await request(`${service.url}${path}`, { method, headers: as(BOB) });
      const none = await request(`${service.url}${path.replace(id, missing)}`, { method, headers: as(BOB) });
      expect(theirs.status).toBe(404);
      expect(theirs.body.code).toBe(none.body.code);
    }
    expect((await request(`${service.url}/v1/datasets`, { headers: as(BOB) })).body.data).toEqual([]);
    const mine = await request(`${service.url}/v1/datasets`, { headers: as(ALICE) });
    expect(mine.body.data.map((d: { id: string }) => d.id)).toEqual([id]);
    const job = {
      ...simpleNNJob({ epochs: 1 }),
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 2 }] },
      data: { dataset_id: id },
    };
    const theirsJob = await request(`${service.url}/v1/jobs`, { body: job, headers: as(BOB) });
    expect(theirsJob.status).toBe(400);
    expect(theirsJob.body.errors[0].path).toBe('data.dataset_id');
    expect((await request(`${service.url}/v1/datasets/${id}`, { headers: as(ALICE) })).status).toBe(200);
  });

  it('cannot warm-start from another tenant’s weights', async () => {
    const res = await request(`${service.url}/v1/jobs`, {
      body: { ...simpleNNJob({ epochs: 2 }), init: { from_job: aliceJob } },
      headers: as(BOB),
    });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'init.from_job', message: `no job with id ${aliceJob}` }]);
  });

  it('keeps Idempotency-Keys per tenant', async () => {
    const body = simpleNNJob({ epochs: 2, name: 'idem' });
    const headers = { 'idempotency-key': 'same-key' };
    const a = await request(`${service.url}/v1/jobs`, { body, headers: { ...headers, ...as(ALICE) } });
    const b = await request(`${service.url}/v1/jobs`, { body, headers: { ...headers, ...as(BOB) } });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    const keys = await service.api.api.redis.keys(`${config.KEY_PREFIX}:idempotency:*`);
    expect(keys.every((k) => !k.includes('same-key'))).toBe(true); // hashed, never the raw header
  });
});

describe('event streams', () => {
  it('accept the bearer key, or a short-lived token from POST /v1/tokens', async () => {
    const viaKey = await readSse(`${service.url}/v1/jobs/${aliceJob}/events`, {
      headers: as(ALICE),
      timeoutMs: 5000,
    });
    expect(viaKey.status).toBe(200);
    expect(viaKey.events.at(-1)?.event).toBe('done');

    const issued = await request(`${service.url}/v1/tokens`, { method: 'POST', headers: as(ALICE) });
    expect(issued.status).toBe(201);
    expect(Date.parse(issued.body.expires_at) - Date.now()).toBeLessThanOrEqual(
      config.TOKEN_TTL_SECONDS * 1000,
    );
    const viaToken = await readSse(`${service.url}/v1/jobs/${aliceJob}/events?token=${issued.body.token}`, {
      timeoutMs: 5000,
    });
    expect(viaToken.status).toBe(200);
    expect(viaToken.events).toEqual(viaKey.events);

    // Alice's token does not open Bob's jobs, nor any other endpoint.
    const bobs = await request(`${service.url}/v1/jobs`, { headers: as(BOB) });
    const other = await request(
      `${service.url}/v1/jobs/${bobs.body.data[0].id}/events?token=${issued.body.token}`,
    );
    expect(other.status).toBe(404);
    expect((await request(`${service.url}/v1/jobs?token=${issued.body.token}`)).status).toBe(401);
  });

  it('refuse forged, tampered and expired tokens', async () => {
    const { token } = (await request(`${service.url}/v1/tokens`, { method: 'POST', headers: as(BOB) })).body;
    const tampered = token.replace('v1.bob.', 'v1.alice.');
    const expired = await new EventTokens(async () => Buffer.from('x'.repeat(32)), 10).issue('alice', 0);
    for (const bad of [tampered, `${token}x`, expired.token, 'v1.alice.99999999999.abc', '']) {
      const res = await request(`${service.url}/v1/jobs/${aliceJob}/events?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(401);
    }
    const secret = async () => Buffer.from('s'.repeat(32));
    const tokens = new EventTokens(secret, 60);
    const old = await tokens.issue('alice', Date.now() - 61_000);
    expect(await tokens.verify(old.token)).toBeNull();
    expect(await tokens.verify((await tokens.issue('alice')).token)).toBe('alice');
  });
});

describe('keys stored in Redis', () => {
  it('are created, listed, used and revoked (stored only as hashes)', async () => {
    const keys = new ApiKeys(service.api.api.redis, redisKeys(config.KEY_PREFIX), []);
    const { key, id } = await keys.create('carol');
    expect((await keys.list()).map((k) => [k.tenant, k.id])).toEqual([['carol', id]]);
    const stored = await service.api.api.redis.hgetall(redisKeys(config.KEY_PREFIX).apiKeys());
    expect(JSON.stringify(stored)).not.toContain(key);

    const carol = await request(`${service.url}/v1/jobs`, { headers: as(key) });
    expect(carol.status).toBe(200);
    expect(carol.body.data).toEqual([]); // a new tenant sees nothing of alice's or bob's
    expect((await request(`${service.url}/v1/jobs/${aliceJob}`, { headers: as(key) })).status).toBe(404);

    expect(await keys.revoke('carol')).toBe(1);
    expect((await request(`${service.url}/v1/jobs`, { headers: as(key) })).status).toBe(401);
    await expect(keys.create('bad tenant')).rejects.toThrow(/Invalid tenant/);
  });
});

describe('open mode and AUTH_REQUIRED', () => {
  it('runs open as tenant "default" with no keys, and closes once a key exists in Redis', async () => {
    const open = testConfig();
    const local = await startTestApi(open, service.redis.url);
    try {
      const res = await request(`${local.url}/v1/jobs`, { body: simpleNNJob({ epochs: 1 }) });
      expect(res.status).toBe(201);
      expect(await local.api.redis.hget(`${open.KEY_PREFIX}:job:${res.body.id}`, 'tenant')).toBe('default');
      const keys = new ApiKeys(local.api.redis, redisKeys(open.KEY_PREFIX), []);
      const { key } = await keys.create('dave');
      await new Promise((r) => setTimeout(r, 2100)); // the "any keys?" answer is cached for 2 s
      expect((await request(`${local.url}/v1/jobs`)).status).toBe(401);
      expect((await request(`${local.url}/v1/jobs`, { headers: as(key) })).body.data).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('refuses to start with AUTH_REQUIRED=true and no keys', async () => {
    const strict = testConfig({ AUTH_REQUIRED: 'true' });
    await expect(createApi(strict, service.redis.url, createLogger(strict, 'api'))).rejects.toThrow(
      /AUTH_REQUIRED/,
    );
  });

  it('validates API_KEYS', () => {
    expect(() => loadConfig({ API_KEYS: 'alice:short' })).toThrow(/API_KEYS/);
    expect(() => loadConfig({ API_KEYS: 'no-colon-here-0123456789' })).toThrow(/API_KEYS/);
    expect(loadConfig({ API_KEYS: ` a:${ALICE} , b:${BOB} ` }).API_KEYS).toEqual([
      { tenant: 'a', key: ALICE },
      { tenant: 'b', key: BOB },
    ]);
  });
});
