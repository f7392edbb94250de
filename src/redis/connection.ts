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
  { commandTimeoutMs }: { commandTimeoutMs?: number } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: `${name}:${role}`,
    maxRetriesPerRequest: role === 'consumer' ? null : 2,
    enableOfflineQueue: true,
    // Reconnect quickly after a Redis restart (every 200 ms … 1 s, forever).
    retryStrategy: (times) => Math.min(times * 200, 1000),
    // A producer never waits long: a hung or unreachable Redis becomes a 503, not a hanging request.
    ...(role === 'producer' && commandTimeoutMs !== undefined ? { commandTimeout: commandTimeoutMs } : {}),
  });
  // Connection errors are retried by ioredis; report them rather than crash on an unhandled event.
  redis.on('error', (err: Error) =>
    logger?.warn({ err: err.message, connection: name }, 'redis connection error'),
  );
  return redis;
}

/** A second connection like `redis` (for blocking reads and subscriptions, which need their own). */
export function duplicateFor(redis: Redis, role: RedisRole): Redis {
  const copy = redis.duplicate({
    maxRetriesPerRequest: role === 'consumer' ? null : 2,
    // Blocking reads (XREAD BLOCK) outlive any producer command timeout.
    ...(role === 'consumer' ? { commandTimeout: undefined } : {}),
  });
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

/**
 * Whether `err` means Redis cannot be reached right now (down, restarting, or too slow), as
 * opposed to a bad command: such errors become 503s and retries, not 500s.
 */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError') return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT')
    return true;
  return /^(Command timed out|Connection is closed|Stream isn't writeable|LOADING )/.test(err.message);
}
