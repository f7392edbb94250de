import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/keys.js';
import { newJobId } from '../../src/service/ids.js';
import type { Job } from '../../src/service/job-resource.js';
import { JobStore } from '../../src/service/job-store.js';
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

function job(id: string): Job {
  return {
    id,
    status: 'queued',
    name: null,
    metadata: {},
    spec: {
      model: { layers: [{ type: 'Linear', in_features: 1, out_features: 1, bias: true }] },
      loss: { type: 'MSELoss', reduction: 'mean' },
      optimizer: { type: 'SGD', lr: 0.1 },
      training: { epochs: 1, batch_size: 1, shuffle: true, seed: 0 },
      data: { samples: 1, features: 1 },
    } as Job['spec'],
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    progress: { epoch: 0, epochs: 1 },
    metrics: null,
  };
}

describe('JobStore', () => {
  it('ids sort by creation time', () => {
    expect(newJobId(1000) < newJobId(2000)).toBe(true);
    expect(newJobId()).toMatch(/^job_[0-9a-z]{26}$/);
  });

  it('moves status only along allowed transitions, with events and indexes', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: job(id), input: '{}', init: null });
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
});
