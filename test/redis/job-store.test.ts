import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/keys.js';
import { newJobId } from '../../src/service/ids.js';
import { JobStore } from '../../src/service/job-store.js';
import { jobRecord } from '../helpers/jobs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let store: JobStore;
let client: ReturnType<typeof createRedis>;

beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedis(redis.url, 'producer');
  store = new JobStore(client, redisKeys('store-test'));
});

afterAll(async () => {
  client.disconnect();
  await redis?.stop();
});

describe('JobStore', () => {
  it('ids sort by creation time', () => {
    expect(newJobId(1000) < newJobId(2000)).toBe(true);
    expect(newJobId()).toMatch(/^job_[0-9a-z]{26}$/);
  });

  it('moves status only along allowed transitions, with events and indexes', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    expect((await store.transition(id, ['running'], 'succeeded')).applied).toBe(false);
    expect(await store.transition(id, ['queued'], 'running')).toEqual({ applied: true, previous: 'queued' });
    const done = await store.transition(id, ['running'], 'failed', {}, { code: 'diverged', message: 'nan' });
    expect(done.applied).toBe(true);
    expect(await store.transition(id, ['queued'], 'cancelled')).toEqual({
      applied: false,
      previous: 'failed',
    });
    const events = await store.events(id);
    expect(events.map((e) => e.type)).toEqual(['status', 'status', 'status', 'done']);
    expect(events.at(-1)?.data).toEqual({ status: 'failed', error: { code: 'diverged', message: 'nan' } });
    const got = await store.get(id);
    expect(got).toMatchObject({ status: 'failed', error: { code: 'diverged' } });
    expect(got?.started_at).not.toBeNull();
    expect(
      (await store.list({ tenant: 'default', status: 'failed', limit: 10 })).jobs.map((j) => j.id),
    ).toEqual([id]);
    expect((await store.list({ tenant: 'default', status: 'queued', limit: 10 })).jobs).toEqual([]);
    expect(await store.transition('job_missing', ['queued'], 'running')).toEqual({
      applied: false,
      previous: '',
    });
  });

  it('creates a job with its record, input, init, indexes and first event in one step', async () => {
    const id = newJobId();
    const keys = redisKeys('store-test');
    const init = Buffer.from([0, 1, 2, 255]);
    const created = jobRecord(id);
    const stored = await store.create(
      { tenant: 't-create', job: created, input: '{"x":1}', init, datasets: ['ds_a', 'ds_b'] },
      5,
    );
    expect(stored).toBe(true);
    expect(await store.getOwned('t-create', id)).toMatchObject({
      id,
      status: 'queued',
      created_at: created.created_at,
      progress: created.progress,
    });
    expect(await store.getOwned('other', id)).toBeNull();
    expect(await client.get(keys.jobInput(id))).toBe('{"x":1}');
    expect(await client.getBuffer(keys.jobInit(id))).toEqual(init);
    expect(await client.smembers(keys.datasetJobs('ds_a'))).toEqual([id]);
    expect(await client.smembers(keys.datasetJobs('ds_b'))).toEqual([id]);
    expect(await client.zscore(keys.tenantJobIndex('t-create'), id)).toBe('0');
    expect(await client.zscore(keys.jobStatusIndex('queued'), id)).toBe('0');
    expect((await store.events(id)).map((e) => [e.type, e.data])).toEqual([['status', { status: 'queued' }]]);
    expect(await client.exists(keys.jobInit(newJobId()))).toBe(0);
  });

  it("refuses, storing nothing, a job past the tenant's cap on queued + running jobs", async () => {
    const tenant = 't-cap';
    const first = newJobId();
    const second = newJobId();
    expect(await store.create({ tenant, job: jobRecord(first), input: '{}', init: null }, 2)).toBe(true);
    expect(await store.transition(first, ['queued'], 'running')).toMatchObject({ applied: true });
    expect(await store.create({ tenant, job: jobRecord(second), input: '{}', init: null }, 2)).toBe(true);
    const refused = newJobId();
    expect(await store.create({ tenant, job: jobRecord(refused), input: '{}', init: null }, 2)).toBe(false);
    expect(await store.exists(refused)).toBe(false);
    expect(await store.events(refused)).toEqual([]);
    // Another tenant has its own cap.
    expect(
      await store.create({ tenant: 't-cap-2', job: jobRecord(refused), input: '{}', init: null }, 2),
    ).toBe(true);
  });

  it('runs its scripts again after the server forgets them (SCRIPT FLUSH, as after a restart)', async () => {
    const id = newJobId();
    await client.script('FLUSH');
    expect(await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null }, 10)).toBe(
      true,
    );
    await client.script('FLUSH');
    expect(await store.transition(id, ['queued'], 'running')).toEqual({ applied: true, previous: 'queued' });
    expect((await store.get(id))?.status).toBe('running');
  });

  it('lists the queued jobs created before a time, oldest first, from the index alone', async () => {
    const [a, b, c] = [1_000_000, 2_000_000, 3_000_000].map((ms) => newJobId(ms));
    for (const id of [c, a, b])
      await store.create({ tenant: 't-age', job: jobRecord(id), input: '{}', init: null });
    await store.transition(b, ['queued'], 'running');
    expect(await store.queuedIdsCreatedBefore(2_500_000, 10)).toEqual([a]);
    expect(await store.queuedIdsCreatedBefore(3_000_000, 10)).toEqual([a]); // c is not older than that
    expect(await store.queuedIdsCreatedBefore(3_000_001, 10)).toEqual([a, c]);
    expect(await store.queuedIdsCreatedBefore(3_000_001, 1)).toEqual([a]);
    expect(await store.queuedIdsCreatedBefore(999_999, 10)).toEqual([]);
  });
});
