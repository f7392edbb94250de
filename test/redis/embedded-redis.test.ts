import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { EmbeddedRedis, RedisNotInstalledError } from '../../src/redis/embedded.js';
import { request, startTestApi, testConfig } from '../helpers/service.js';

describe('EmbeddedRedis', () => {
  it('starts redis-server on a free port with AOF, and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-embedded-'));
    const server = new EmbeddedRedis({ dataDir: dir, persistence: true });
    try {
      const url = await server.start();
      const client = new Redis(url);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', dir]);
      client.disconnect();
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in one line how to get Redis when the binary is missing', async () => {
    const server = new EmbeddedRedis({ dataDir: tmpdir(), binary: 'no-such-redis-server' });
    const err = await server.start().catch((e) => e);
    expect(err).toBeInstanceOf(RedisNotInstalledError);
    expect(err.message).toMatch(/apt-get install redis-server/);
    expect(err.message).toMatch(/brew install redis/);
    expect(err.message).toMatch(/REDIS_URL/);
    expect(err.message).not.toContain('\n');
  });

  it('/ready answers 503 when Redis is gone, /health still 200', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-ready-'));
    const server = new EmbeddedRedis({ dataDir: dir, persistence: false });
    const url = await server.start();
    const api = await startTestApi(testConfig(), url);
    try {
      expect((await request(`${api.url}/ready`)).status).toBe(200);
      await server.stop();
      const ready = await request(`${api.url}/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.code).toBe('redis_unavailable');
      expect((await request(`${api.url}/health`)).status).toBe(200);
    } finally {
      api.api.redis.disconnect();
      await api.api.app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
