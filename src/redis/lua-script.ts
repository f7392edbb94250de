/**
 * A Lua script run by its SHA1 (EVALSHA), so a hot path sends the script's text only the first
 * time a server sees it: after that, and again after a restart or SCRIPT FLUSH (NOSCRIPT), EVAL
 * sends it once and EVALSHA goes on.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type LuaArg = string | number | Buffer;

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly LuaArg[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
