/**
 * The per-process fan-out of job events: many subscribers share one reader, each gets every event
 * after its own `after` once and in order (including ones that join mid-stream and catch up), and
 * readers stop with their last subscriber.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/redis/connection.js';
import { redisKeys } from '../../src/redis/keys.js';
import { newJobId } from '../../src/service/ids.js';
import { compareStreamIds, JobEventHub } from '../../src/service/job-event-hub.js';
import type { StoredJobEvent } from '../../src/service/job-events.js';
import { JobStore } from '../../src/service/job-store.js';
import { jobRecord } from '../helpers/jobs.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let store: JobStore;
let client: ReturnType<typeof createRedis>;
let hub: JobEventHub;

beforeAll(async () => {
  redis = await startTestRedis();
  client = createRedis(redis.url, 'producer');
  store = new JobStore(client, redisKeys('hub-test'));
  hub = new JobEventHub(store, client, { heartbeatMs: 100 });
});

afterAll(async () => {
  hub?.close();
  client?.disconnect();
  await redis?.stop();
});

function collect(id: string, after: string) {
  const events: StoredJobEvent[] = [];
  let heartbeats = 0;
  let unsubscribe = () => {};
  const ended = new Promise<void>((resolve) => {
    unsubscribe = hub.subscribe(id, after, {
      event: (e) => events.push(e),
      heartbeat: () => heartbeats++,
      end: () => resolve(),
    });
  });
  return { events, ended, unsubscribe, heartbeats: () => heartbeats };
}

const progress = (step: number) => ({ epoch: 1, step, steps: 1000, loss: 0.5 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobEventHub', () => {
  it('orders stream ids numerically', () => {
    expect(compareStreamIds('0', '1-0')).toBeLessThan(0);
    expect(compareStreamIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareStreamIds('9-10', '9-9')).toBeGreaterThan(0);
    expect(compareStreamIds('9-1', '9-1')).toBe(0);
  });

  it('gives early, late and resuming subscribers every event once, in order', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    await store.transition(id, ['queued'], 'running');
    const early = Array.from({ length: 20 }, () => collect(id, '0'));
    for (let step = 1; step <= 200; step++) {
      await store.recordProgress(id, progress(step));
      if (step % 50 === 0) await sleep(5);
    }
    const history = await store.events(id);
    const late = collect(id, '0'); // behind the shared reader: catches up from the stream
    const resuming = collect(id, history[100].id);
    for (let step = 201; step <= 300; step++) await store.recordProgress(id, progress(step));
    await store.transition(id, ['running'], 'succeeded');
    const all = await store.events(id);
    expect(all.at(-1)?.type).toBe('done');
    for (const sub of [...early, late]) {
      await sub.ended;
      expect(sub.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    }
    await resuming.ended;
    expect(resuming.events).toEqual(all.slice(101));
  });

  it('sends heartbeats while idle, and ends subscribers when the job is deleted', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    const sub = collect(id, '0');
    // Heartbeats come on a timer; under load they may come late, so wait for two (bounded).
    for (let waited = 0; sub.heartbeats() < 2 && waited < 5000; waited += 50) await sleep(50);
    expect(sub.events.map((e) => e.type)).toEqual(['status']);
    expect(sub.heartbeats()).toBeGreaterThanOrEqual(2);
    await store.delete(id);
    await sub.ended;
  });

  it('keeps the reader for the remaining subscribers when one unsubscribes', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    const leaving = collect(id, '0');
    const staying = collect(id, '0');
    await store.recordProgress(id, progress(1));
    await sleep(50);
    leaving.unsubscribe();
    await store.recordProgress(id, progress(2));
    await store.transition(id, ['queued'], 'cancelled');
    await staying.ended;
    expect(staying.events.map((e) => e.type)).toEqual(['status', 'progress', 'progress', 'status', 'done']);
    expect(leaving.events.length).toBeLessThan(staying.events.length);
  });

  // Issue 18, item 3: the first subscriber's position used to become the shared reader's cursor.
  it('gives every subscriber its events when the first one starts ahead of the stream', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    await store.transition(id, ['queued'], 'running');
    const ahead = collect(id, '99999999999999-0');
    await sleep(20);
    const behind = collect(id, '0');
    await sleep(20);
    for (let step = 1; step <= 5; step++) await store.recordProgress(id, progress(step));
    const later = collect(id, '0');
    await store.transition(id, ['running'], 'succeeded');
    const all = await store.events(id);
    await behind.ended;
    await later.ended;
    expect(behind.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(later.events.map((e) => e.id)).toEqual(all.map((e) => e.id));
    // Nothing in the stream is after its position: it ends with the job, having got nothing.
    await ahead.ended;
    expect(ahead.events).toEqual([]);
  });

  // Issue 18, item 4: a read Redis refuses ends the subscriber with the error (the SSE route then
  // sends an `error` event), instead of a silent end or none at all.
  it('ends subscribers with the error when the stream cannot be read', async () => {
    const id = newJobId();
    await store.create({ tenant: 'default', job: jobRecord(id), input: '{}', init: null });
    let error: Error | undefined;
    await new Promise<void>((resolve) => {
      hub.subscribe(id, 'not-an-id', {
        event: () => {},
        heartbeat: () => {},
        end: (e) => {
          error = e;
          resolve();
        },
      });
    });
    expect(error?.message).toMatch(/stream ID/i);
  });
});
