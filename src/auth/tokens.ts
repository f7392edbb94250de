/**
 * Short-lived signed tokens for browsers' EventSource, which cannot send an Authorization header:
 * `POST /v1/tokens` (with the API key) returns one, and the events endpoint accepts it as
 * `?token=`. A token is `v1.<tenant>.<expiry seconds>.<HMAC-SHA256>`, so any API process that
 * shares the secret verifies it without a lookup.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TENANT_PATTERN } from '../config.js';
import type { RedisKeys } from '../redis/keys.js';

export interface IssuedToken {
  token: string;
  expires_at: string;
}

/** TOKEN_SECRET when configured; otherwise one generated once and shared through Redis. */
export function tokenSecretSource(
  configured: string | undefined,
  redis: Redis,
  keys: RedisKeys,
): () => Promise<Buffer> {
  if (configured !== undefined) {
    const secret = Buffer.from(configured);
    return async () => secret;
  }
  let cached: Promise<Buffer> | null = null;
  return () => {
    cached ??= (async () => {
      await redis.set(keys.tokenSecret(), randomBytes(32).toString('hex'), 'NX');
      const secret = await redis.get(keys.tokenSecret());
      if (secret === null) throw new Error('token secret missing from Redis');
      return Buffer.from(secret);
    })().catch((err: unknown) => {
      cached = null;
      throw err;
    });
    return cached;
  };
}

export class EventTokens {
  constructor(
    private readonly secret: () => Promise<Buffer>,
    private readonly ttlSeconds: number,
  ) {}

  private async sign(payload: string): Promise<string> {
    return createHmac('sha256', await this.secret())
      .update(payload)
      .digest('base64url');
  }

  async issue(tenant: string, now = Date.now()): Promise<IssuedToken> {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const payload = `v1.${tenant}.${expires}`;
    return {
      token: `${payload}.${await this.sign(payload)}`,
      expires_at: new Date(expires * 1000).toISOString(),
    };
  }

  /** The token's tenant, or null if it is malformed, forged or expired. */
  async verify(token: string, now = Date.now()): Promise<string | null> {
    if (token.length > 256) return null;
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const [, tenant, expires, signature] = parts;
    if (!TENANT_PATTERN.test(tenant) || !/^\d{1,12}$/.test(expires)) return null;
    const expected = Buffer.from(await this.sign(`v1.${tenant}.${expires}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return Number(expires) * 1000 > now ? tenant : null;
  }
}
