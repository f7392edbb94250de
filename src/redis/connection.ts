/**
 * ioredis connections by role. Producers (the API) fail fast so a request gets a 503 instead of
 * hanging; long-lived consumers (BullMQ workers, subscribers, blocking readers) retry forever, as
 * BullMQ requires (`maxRetriesPerRequest: null`). Producers also coalesce their writes (below).
 */
import type { Socket } from 'node:net';
import { type Command, Redis } from 'ioredis';
import type { Logger } from 'pino';

export type RedisRole = 'producer' | 'consumer';

export function createRedis(
  url: string,
  role: RedisRole,
  name = 'trainyard',
  logger?: Pick<Logger, 'warn'>,
  { commandTimeoutMs }: { commandTimeoutMs?: number } = {},
): Redis {
  const redis = new (role === 'producer' ? CoalescingRedis : Redis)(url, {
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

/**
 * A connection that sends the commands of one event-loop turn in one write. A socket write on
 * loopback costs more than the command it carries (12-20 µs of system time each on these
 * machines), and the API issues three per submitted job (rate limit, job record, BullMQ add).
 * Several requests run in one turn under load, so their commands share a write: the socket is
 * corked at the turn's first command and uncorked by setImmediate, right after the turn's I/O
 * callbacks. Order is kept, nothing waits past the turn, and a connection lost meanwhile loses the
 * buffered commands exactly as it loses those in the kernel's buffer (ioredis rejects or retries
 * them). ioredis's own auto-pipelining batches too, but its per-command pipeline bookkeeping cost
 * the API more CPU than the writes it saved.
 */
export class CoalescingRedis extends Redis {
  private corked: Socket | null = null;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const socket = this.stream as Socket | undefined;
    if (stream === undefined && this.corked === null && socket?.writable) {
      socket.cork();
      this.corked = socket;
      setImmediate(this.uncork);
    }
    return super.sendCommand(command, stream);
  }

  private readonly uncork = (): void => {
    const socket = this.corked;
    this.corked = null;
    socket?.uncork();
  };
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
 * Whether Redis answered but refused a write for now: out of memory (maxmemory reached, and a
 * MULTI whose commands were refused for it: EXECABORT), a read-only replica, or a failed
 * snapshot (MISCONF). These pass when the operator frees memory; they are not bugs.
 */
export function isRedisRefusingWrites(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /^(OOM |EXECABORT |READONLY |MISCONF )/.test(err.message);
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
  if (isRedisRefusingWrites(err)) return true;
  return /^(Command timed out|Connection is closed|Stream isn't writeable|LOADING )/.test(err.message);
}
