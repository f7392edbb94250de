/**
 * API keys and the tenants they belong to. Keys come from the environment (`API_KEYS`) and from
 * Redis, where only their SHA-256 hashes are stored (managed with `npm run keys`). A presented key
 * is hashed first; environment keys are compared by hash in constant time, all of them every time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TENANT_PATTERN } from '../config.js';
import type { RedisKeys } from '../redis/keys.js';

/** Longer presented keys are refused without hashing. */
const MAX_KEY_LENGTH = 512;
/** How long "are there any keys at all?" is cached (a key created with the CLI opens up within this). */
const ANY_KEYS_TTL_MS = 2000;

export interface StoredKey {
  /** The first 12 hex characters of the key's hash: names a key without revealing it. */
  id: string;
  tenant: string;
  created_at: string;
}

export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function newApiKey(): string {
  return `ty_${randomBytes(32).toString('base64url')}`;
}

export class InvalidTenantError extends Error {
  constructor(tenant: string) {
    super(`Invalid tenant ${JSON.stringify(tenant)}: use 1-64 letters, digits, "_" or "-"`);
    this.name = 'InvalidTenantError';
  }
}

function parseStored(hashHex: string, raw: string): StoredKey | null {
  try {
    const value = JSON.parse(raw) as { tenant?: unknown; created_at?: unknown };
    if (typeof value.tenant !== 'string' || !TENANT_PATTERN.test(value.tenant)) return null;
    return { id: hashHex.slice(0, 12), tenant: value.tenant, created_at: String(value.created_at ?? '') };
  } catch {
    return null;
  }
}

export class ApiKeys {
  private readonly env: { tenant: string; hash: Buffer }[];
  private anyCache: { value: boolean; at: number } | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    envKeys: readonly { tenant: string; key: string }[],
  ) {
    this.env = envKeys.map(({ tenant, key }) => ({ tenant, hash: hashKey(key) }));
  }

  /** The tenant and key id of a presented key, or null. */
  async verify(key: string): Promise<{ tenant: string; id: string } | null> {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) return null;
    const hash = hashKey(key);
    const hex = hash.toString('hex');
    let tenant: string | null = null;
    for (const entry of this.env) {
      if (timingSafeEqual(hash, entry.hash) && tenant === null) tenant = entry.tenant;
    }
    if (tenant !== null) return { tenant, id: hex.slice(0, 12) };
    const stored = await this.redis.hget(this.keys.apiKeys(), hex);
    const parsed = stored === null ? null : parseStored(hex, stored);
    return parsed === null ? null : { tenant: parsed.tenant, id: parsed.id };
  }

  /** Number of keys configured (environment plus Redis). */
  async count(): Promise<number> {
    return this.env.length + (await this.redis.hlen(this.keys.apiKeys()));
  }

  /** Whether any key exists; cached briefly (asked on every unauthenticated request). */
  async any(now = Date.now()): Promise<boolean> {
    if (this.env.length > 0) return true;
    if (this.anyCache !== null && now - this.anyCache.at < ANY_KEYS_TTL_MS) return this.anyCache.value;
    const value = (await this.redis.hlen(this.keys.apiKeys())) > 0;
    this.anyCache = { value, at: now };
    return value;
  }

  /** Creates a key for `tenant`; the key itself is returned once and never stored. */
  async create(tenant: string): Promise<{ key: string; id: string }> {
    if (!TENANT_PATTERN.test(tenant)) throw new InvalidTenantError(tenant);
    const key = newApiKey();
    const hex = hashKey(key).toString('hex');
    await this.redis.hset(
      this.keys.apiKeys(),
      hex,
      JSON.stringify({ tenant, created_at: new Date().toISOString() }),
    );
    this.anyCache = null;
    return { key, id: hex.slice(0, 12) };
  }

  /** Keys stored in Redis (environment keys are not listed), by tenant then creation time. */
  async list(): Promise<StoredKey[]> {
    const all = await this.redis.hgetall(this.keys.apiKeys());
    return Object.entries(all)
      .flatMap(([hex, raw]) => parseStored(hex, raw) ?? [])
      .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.created_at.localeCompare(b.created_at));
  }

  /** Revokes the tenant's stored keys (only the one with `id` if given); returns how many. */
  async revoke(tenant: string, id?: string): Promise<number> {
    const all = await this.redis.hgetall(this.keys.apiKeys());
    const doomed = Object.entries(all)
      .filter(
        ([hex, raw]) => parseStored(hex, raw)?.tenant === tenant && (id === undefined || hex.startsWith(id)),
      )
      .map(([hex]) => hex);
    if (doomed.length > 0) await this.redis.hdel(this.keys.apiKeys(), ...doomed);
    this.anyCache = null;
    return doomed.length;
  }
}
