/**
 * Issue 18, item 1: can a stale attempt (a worker that lost its job, BullMQ's stalled-job recovery
 * having given it to another) put a checkpoint or the final weights of its own under the new
 * attempt? Against a real Redis: once a new attempt has claimed the run, the old owner's commits
 * are refused and leave the new owner's checkpoint, epoch and events as they were; `owns` tells
 * the old one it no longer owns the job (checked before the final weights are stored); a commit
 * that does not continue from the stored epoch is refused; and a claim reads back exactly the
 * checkpoint bytes committed last.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeRedis, createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/keys.js';
import {
  CheckpointConflictError,
  CheckpointStore,
  LostOwnershipError,
} from '../../src/service/checkpoint-store.js';
import type { EpochMetrics } from '../../src/training/results.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

const keys = redisKeys('cpstore');
const ID = 'job_checkpoint_store';
let server: TestRedis;
let redis: Redis;
let store: CheckpointStore;

const metrics = (epoch: number): EpochMetrics =>
  ({ epoch, epochs: 10, loss: 1 / epoch, lr: 0.001, duration_ms: 1, samples_per_sec: 1 }) as EpochMetrics;
/** Checkpoint bytes that say which attempt and epoch wrote them. */
const bytes = (owner: string, epoch: number) => new Uint8Array(Buffer.from(`${owner}@${epoch}`));

async function events(): Promise<number[]> {
  const entries = await redis.xrange(keys.jobEvents(ID), '-', '+');
  return entries.map(([, fields]) => (JSON.parse(fields[3]) as EpochMetrics).epoch);
}

beforeAll(async () => {
  server = await startTestRedis();
  redis = createRedis(server.url, 'consumer', 'checkpoint-store-test');
  store = new CheckpointStore(redis, keys);
});

afterAll(async () => {
  await closeRedis(redis);
  await server.stop();
});

beforeEach(async () => {
  await redis.flushall();
  await redis.hset(keys.job(ID), 'status', 'running');
});

describe('checkpoint store', () => {
  it('a claim reads back the bytes and epoch of the last commit', async () => {
    expect(await store.claim(ID, 'a')).toEqual({ epoch: 0, state: null });
    await store.commit(ID, 'a', 0, [metrics(1)], bytes('a', 1));
    await store.commit(ID, 'a', 1, [metrics(2), metrics(3)], bytes('a', 3));
    const claimed = await store.claim(ID, 'b');
    expect(claimed.epoch).toBe(3);
    expect(claimed.state?.toString()).toBe('a@3');
    expect(await events()).toEqual([1, 2, 3]);
  });

  it("refuses a stale attempt's commits once a new attempt has claimed the run", async () => {
    await store.claim(ID, 'old');
    await store.commit(ID, 'old', 0, [metrics(1)], bytes('old', 1));
    // The old worker lost its lock; the job is recovered and claimed by a new attempt.
    const claimed = await store.claim(ID, 'new');
    expect(claimed.epoch).toBe(1);
    await store.commit(ID, 'new', 1, [metrics(2)], bytes('new', 2));
    // The old attempt, still running, finishes its epoch 2 and then 3 and tries to commit them.
    await expect(store.commit(ID, 'old', 1, [metrics(2)], bytes('old', 2))).rejects.toBeInstanceOf(
      LostOwnershipError,
    );
    await expect(store.commit(ID, 'old', 2, [metrics(3)], bytes('old', 3))).rejects.toBeInstanceOf(
      LostOwnershipError,
    );
    expect(await store.owns(ID, 'old')).toBe(false);
    expect(await store.owns(ID, 'new')).toBe(true);
    const now = await store.claim(ID, 'third');
    expect([now.epoch, now.state?.toString()]).toEqual([2, 'new@2']);
    expect(await events()).toEqual([1, 2]);
  });

  it('refuses a commit that does not continue from the stored epoch', async () => {
    await store.claim(ID, 'a');
    await store.commit(ID, 'a', 0, [metrics(1)], bytes('a', 1));
    const err = await store.commit(ID, 'a', 0, [metrics(1)], bytes('a', 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointConflictError);
    expect(await events()).toEqual([1]);
  });

  it('refuses commits while the job is not running (handed back, or finished by another attempt)', async () => {
    await store.claim(ID, 'a');
    await redis.hset(keys.job(ID), 'status', 'queued');
    await expect(store.commit(ID, 'a', 0, [metrics(1)], bytes('a', 1))).rejects.toBeInstanceOf(
      LostOwnershipError,
    );
    expect(await store.owns(ID, 'a')).toBe(false);
    await redis.hset(keys.job(ID), 'status', 'succeeded');
    expect(await store.owns(ID, 'a')).toBe(false);
    expect(await events()).toEqual([]);
  });
});
