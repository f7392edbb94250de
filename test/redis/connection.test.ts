import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoalescingRedis, createRedis } from '../../src/redis/connection.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let observer: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  observer = new Redis(redis.url);
});

afterAll(async () => {
  observer.disconnect();
  await redis?.stop();
});

/** Read events the server has processed so far (the INFO command's own read included). */
async function serverReads(): Promise<number> {
  const stats = await observer.info('stats');
  return Number(/total_reads_processed:(\d+)/.exec(stats)?.[1]);
}

/** 200 INCRs issued in one turn; returns their replies and the server reads they took. */
async function burst(client: Redis, key: string): Promise<{ replies: number[]; reads: number }> {
  await client.ping(); // connected and idle
  const before = await serverReads();
  const replies = await Promise.all(Array.from({ length: 200 }, () => client.incr(key)));
  const reads = (await serverReads()) - before - 1;
  return { replies, reads };
}

describe('producer connections', () => {
  it('send the commands of one event-loop turn in one write, in order', async () => {
    const client = createRedis(redis.url, 'producer');
    try {
      expect(client).toBeInstanceOf(CoalescingRedis);
      const { replies, reads } = await burst(client, 'coalesce:producer');
      expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(reads).toBeLessThanOrEqual(2); // 200 commands × 28 bytes fit one socket read
      // Commands of later turns go out too.
      expect(await client.incr('coalesce:producer')).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await client.get('coalesce:producer')).toBe('201');
    } finally {
      client.disconnect();
    }
  });

  it('a plain connection writes each command as it is issued (the comparison above means something)', async () => {
    const client = createRedis(redis.url, 'consumer');
    try {
      expect(client).not.toBeInstanceOf(CoalescingRedis);
      const { replies, reads } = await burst(client, 'coalesce:consumer');
      expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(reads).toBeGreaterThan(2);
    } finally {
      client.disconnect();
    }
  });
});
