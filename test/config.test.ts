import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', LOG_LEVEL: 'info', KEY_PREFIX: 'trainyard' });
    expect(config.WORKER_CONCURRENCY).toBe(availableParallelism());
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('parses values and treats empty strings as unset', () => {
    const config = loadConfig({
      PORT: '8080',
      REDIS_URL: 'redis://r:6379/0',
      WORKER_CONCURRENCY: '3',
      LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      REDIS_URL: 'redis://r:6379/0',
      WORKER_CONCURRENCY: 3,
      LOG_LEVEL: 'info',
    });
  });

  it('names each bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', WORKER_CONCURRENCY: '0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/REDIS_URL/);
    expect(message).toMatch(/WORKER_CONCURRENCY/);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      'PORT',
      'REDIS_URL',
      'WORKER_CONCURRENCY',
    ]);
  });
});
