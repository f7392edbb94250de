/**
 * ioredis connections by role. Producers (the API) fail fast so a request gets a 503 instead of
 * hanging; long-lived consumers (BullMQ workers, subscribers, blocking readers) retry forever, as
 * BullMQ requires (`maxRetriesPerRequest: null`).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisRole = 'producer' | 'consumer';

export function createRedis(
  url: string,
  role: RedisRole,
  name = 'trainyard',
  logger?: Pick<Logger, 'warn'>,
): Redis {
  const redis = new Redis(url, {
    connectionName: `${name}:${role}`,
    maxRetriesPerRequest: role === 'consumer' ? null : 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors are retried by ioredis; report them rather than crash on an unhandled event.
  redis.on('error', (err: Error) =>
    logger?.warn({ err: err.message, connection: name }, 'redis connection error'),
  );
  return redis;
}

/** A second connection like `redis` (for blocking reads and subscriptions, which need their own). */
export function duplicateFor(redis: Redis, role: RedisRole): Redis {
  const copy = redis.duplicate({ maxRetriesPerRequest: role === 'consumer' ? null : 2 });
  copy.on('error', () => {}); // its owner sees failures as rejected commands
  return copy;
}

/** Closes a connection, falling back to a hard disconnect if QUIT cannot be sent. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
