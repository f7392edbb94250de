/**
 * The dataset repository in Redis: a hash per dataset (metadata), its features and targets as
 * binary strings (little-endian features: Float32, or Uint8 or Int32 as the record's `x.dtype`
 * says; Int32 class or Float32 real targets), its
 * owner tenant's listing index, and the set of jobs that use it. Reads take the tenant: another
 * tenant's dataset is indistinguishable from a missing one. Deleting goes through one Lua script that refuses while
 * any of those jobs is queued or running, so a check and the delete cannot interleave with a job
 * starting.
 */
import type { Redis } from 'ioredis';
import type { Dataset, StoredDtype } from '../datasets/dataset.js';
import type { RedisKeys } from '../redis/keys.js';
import { LuaScript } from '../redis/lua-script.js';
import { type DatasetRecordFields, type DatasetResource, datasetFromFields } from './dataset-resource.js';

/**
 * KEYS: hash, x, y, jobs set, owner's index, queued index, running index. ARGV: id, tenant.
 * Returns {0} when missing (or another tenant's), {1} when deleted, {2, job ids...} when in use.
 */
const DELETE_SCRIPT = new LuaScript(`
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return {0} end
local busy = {2}
for _, job in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if redis.call('ZSCORE', KEYS[6], job) or redis.call('ZSCORE', KEYS[7], job) then table.insert(busy, job) end
end
if #busy > 1 then return busy end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
return {1}
`);

/** A dataset's arrays as stored, for training (uint8 x is scaled to [0, 1] where it is read). */
export interface DatasetTable {
  rows: number;
  features: number;
  sampleShape: number[];
  x: Float32Array | Uint8Array | Int32Array;
  y: Int32Array | Float32Array;
  /** Class names by index, when the target column held strings. */
  labels: string[] | null;
}

function bytesOf(a: Float32Array | Int32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** A copy into a fresh, aligned ArrayBuffer (Redis replies may sit at any offset of a pool). */
function aligned(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

function decodeX(dtype: StoredDtype, bytes: ArrayBuffer): Float32Array | Uint8Array | Int32Array {
  if (dtype === 'uint8') return new Uint8Array(bytes);
  return dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
}

export type DeleteOutcome = { type: 'deleted' } | { type: 'not_found' } | { type: 'in_use'; jobs: string[] };

export class DatasetStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: RedisKeys,
  ) {}

  async create(fields: DatasetRecordFields, data: Dataset): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .hset(k.dataset(fields.id), { ...fields })
      .set(k.datasetX(fields.id), bytesOf(data.x))
      .set(k.datasetY(fields.id), bytesOf(data.y))
      .zadd(k.tenantDatasetIndex(fields.owner), 0, fields.id)
      .exec();
  }

  async get(tenant: string, id: string): Promise<DatasetResource | null> {
    const fields = await this.redis.hgetall(this.keys.dataset(id));
    return fields.id === undefined || fields.owner !== tenant ? null : datasetFromFields(fields);
  }

  /** The tenant that uploaded the dataset. */
  async owner(id: string): Promise<string | null> {
    return this.redis.hget(this.keys.dataset(id), 'owner');
  }

  /** The targets only (small: one value per row), for checking a job against the dataset. */
  async getTargets(id: string, kind: 'class' | 'float'): Promise<Int32Array | Float32Array | null> {
    const y = await this.redis.getBuffer(this.keys.datasetY(id));
    if (y === null) return null;
    return kind === 'class' ? new Int32Array(aligned(y)) : new Float32Array(aligned(y));
  }

  /** The arrays of a dataset the worker was handed by an accepted job (already owner-checked). */
  async getTable(id: string): Promise<DatasetTable | null> {
    const owner = await this.owner(id);
    if (owner === null) return null;
    const [meta, x, y] = await Promise.all([
      this.get(owner, id),
      this.redis.getBuffer(this.keys.datasetX(id)),
      this.redis.getBuffer(this.keys.datasetY(id)),
    ]);
    if (meta === null || x === null || y === null) return null;
    return {
      rows: meta.rows,
      features: meta.features,
      sampleShape: meta.sample_shape,
      x: decodeX(meta.x.dtype, aligned(x)),
      y: meta.target.kind === 'class' ? new Int32Array(aligned(y)) : new Float32Array(aligned(y)),
      labels: meta.target.labels ?? null,
    };
  }

  /** Newest first. */
  async list(tenant: string, { limit, cursor }: { limit: number; cursor?: string }) {
    const max = cursor === undefined ? '+' : `(${cursor}`;
    const ids = await this.redis.zrange(
      this.keys.tenantDatasetIndex(tenant),
      max,
      '-',
      'BYLEX',
      'REV',
      'LIMIT',
      0,
      limit + 1,
    );
    const page = ids.slice(0, limit);
    const pipeline = this.redis.pipeline();
    for (const id of page) pipeline.hgetall(this.keys.dataset(id));
    const results = (await pipeline.exec()) ?? [];
    const datasets: DatasetResource[] = [];
    for (const [err, fields] of results) {
      if (err === null && (fields as Record<string, string>).id !== undefined)
        datasets.push(datasetFromFields(fields as Record<string, string>));
    }
    return { datasets, next: ids.length > limit ? page[page.length - 1] : null };
  }

  async delete(tenant: string, id: string): Promise<DeleteOutcome> {
    const k = this.keys;
    const keys = [
      k.dataset(id),
      k.datasetX(id),
      k.datasetY(id),
      k.datasetJobs(id),
      k.tenantDatasetIndex(tenant),
      k.jobStatusIndex('queued'),
      k.jobStatusIndex('running'),
    ];
    const [code, ...jobs] = (await DELETE_SCRIPT.run(this.redis, keys, [id, tenant])) as [
      number,
      ...string[],
    ];
    if (code === 0) return { type: 'not_found' };
    if (code === 2) return { type: 'in_use', jobs };
    return { type: 'deleted' };
  }
}
