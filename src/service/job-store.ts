/**
 * The job repository in Redis: records, inputs, event streams, models and the listing indexes.
 * Status changes go through one Lua script, so a status, its index membership and its `status`
 * (and final `done`) event change together and only along allowed transitions.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys.js';
import { LuaScript } from '../redis/lua-script.js';
import type { EpochMetrics, StepProgress } from '../training/results.js';
import { JOB_ID_PATTERN, jobIdTimePrefix } from './ids.js';
import { type JobError, type JobEvent, parseStreamEntry, type StoredJobEvent } from './job-events.js';
import { type Job, jobFromFields, jobToFields } from './job-resource.js';
import { isTerminal, JOB_STATUSES, type JobStatus } from './job-status.js';

/**
 * KEYS: job hash, events stream, then one index per status in JOB_STATUSES order, then the
 *       owning tenant's index per status in the same order.
 * ARGV: id, target status, allowed current statuses (comma-separated), done-event JSON or '',
 *       then field/value pairs to set.
 * Returns {1, previous} when applied, {0, current or ''} when not.
 */
const TRANSITION_SCRIPT = new LuaScript(`
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {0, ''} end
local allowed = false
for s in string.gmatch(ARGV[3], '[^,]+') do
  if s == current then allowed = true end
end
if not allowed then return {0, current} end
local statuses = {${JOB_STATUSES.map((s) => `'${s}'`).join(', ')}}
local n = #statuses
for i, s in ipairs(statuses) do
  if s == current then
    redis.call('ZREM', KEYS[i + 2], ARGV[1])
    redis.call('ZREM', KEYS[i + 2 + n], ARGV[1])
  end
end
for i, s in ipairs(statuses) do
  if s == ARGV[2] then
    redis.call('ZADD', KEYS[i + 2], 0, ARGV[1])
    redis.call('ZADD', KEYS[i + 2 + n], 0, ARGV[1])
  end
end
redis.call('HSET', KEYS[1], 'status', ARGV[2])
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('XADD', KEYS[2], '*', 'type', 'status', 'data', cjson.encode({status = ARGV[2]}))
if ARGV[4] ~= '' then
  redis.call('XADD', KEYS[2], '*', 'type', 'done', 'data', ARGV[4])
end
return {1, current}
`);

/**
 * A new queued job in one round trip: admission under the tenant's cap on queued + running jobs,
 * then its record, input, indexes and first `status` event, all or nothing.
 * KEYS: the tenant's queued, running and all-jobs indexes, the job hash, input and init keys, the
 *       global all-jobs and queued indexes, the events stream, then the read datasets' job sets.
 * ARGV: job id, cap ('' for none), input, init ('' for none), status event JSON, then the hash's
 *       field/value pairs. Returns 1 if stored, 0 if refused by the cap.
 */
const CREATE_SCRIPT = new LuaScript(`
if ARGV[2] ~= '' and redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
for i = 10, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[4], unpack(fields))
redis.call('SET', KEYS[5], ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[6], ARGV[4]) end
redis.call('ZADD', KEYS[7], 0, ARGV[1])
redis.call('ZADD', KEYS[8], 0, ARGV[1])
redis.call('XADD', KEYS[9], '*', 'type', 'status', 'data', ARGV[5])
return 1
`);

/** The tenant of jobs recorded before tenants existed. */
export const LEGACY_TENANT = 'default';

/** Job ids as issued (see ids.ts); anything else is never looked up, so it cannot name another key. */
const isJobId = (id: string) => JOB_ID_PATTERN.test(id);

export interface TransitionResult {
  applied: boolean;
  /** The status before the call ('' when the job does not exist). */
  previous: JobStatus | '';
}

export interface ListOptions {
  /** Only this tenant's jobs. */
  tenant: string;
  status?: JobStatus;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string;
}

export interface NewJob {
  /** The owner; every later read through the API is scoped to it. */
  tenant: string;
  job: Job;
  input: string;
  init: Buffer | null;
  /** Uploaded datasets the job reads (their delete is refused while it is queued or running). */
  datasets?: string[];
}

const now = () => new Date().toISOString();

export class JobStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: RedisKeys,
  ) {}

  /**
   * Stores a new queued job, if the tenant has fewer than `maxActive` queued + running jobs
   * (checked and reserved atomically). Returns false, storing nothing, when it has not.
   */
  async create(
    { tenant, job, input, init, datasets = [] }: NewJob,
    maxActive = Number.POSITIVE_INFINITY,
  ): Promise<boolean> {
    const k = this.keys;
    const keys = [
      k.tenantJobStatusIndex(tenant, 'queued'),
      k.tenantJobStatusIndex(tenant, 'running'),
      k.tenantJobIndex(tenant),
      k.job(job.id),
      k.jobInput(job.id),
      k.jobInit(job.id),
      k.jobIndex(),
      k.jobStatusIndex('queued'),
      k.jobEvents(job.id),
      ...datasets.map((dataset) => k.datasetJobs(dataset)),
    ];
    const args = [
      job.id,
      Number.isFinite(maxActive) ? maxActive : '',
      input,
      init ?? '',
      JSON.stringify({ status: 'queued' }),
      ...Object.entries({ ...jobToFields({ ...job, status: 'queued' }), tenant }).flat(),
    ];
    return (await CREATE_SCRIPT.run(this.redis, keys, args)) === 1;
  }

  /** The job if it exists and belongs to `tenant`; null otherwise (the two are indistinguishable). */
  async getOwned(tenant: string, id: string): Promise<Job | null> {
    if (!isJobId(id)) return null;
    const fields = await this.redis.hgetall(this.keys.job(id));
    if (fields.status === undefined || (fields.tenant ?? LEGACY_TENANT) !== tenant) return null;
    return jobFromFields(fields);
  }

  /** The tenant that owns a job, or null if there is no such job. */
  async tenantOf(id: string): Promise<string | null> {
    if (!isJobId(id)) return null;
    const [tenant, status] = await this.redis.hmget(this.keys.job(id), 'tenant', 'status');
    return status === null ? null : (tenant ?? LEGACY_TENANT);
  }

  /**
   * The oldest `limit` queued jobs created before `ms`, all tenants: a range of the queued index,
   * whose members (all scored 0) sort by id and so by creation time.
   */
  async queuedIdsCreatedBefore(ms: number, limit: number): Promise<string[]> {
    const index = this.keys.jobStatusIndex('queued');
    return this.redis.zrangebylex(index, '-', `(${jobIdTimePrefix(ms)}`, 'LIMIT', 0, limit);
  }

  async get(id: string): Promise<Job | null> {
    const fields = await this.redis.hgetall(this.keys.job(id));
    return fields.status === undefined ? null : jobFromFields(fields);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.job(id))) === 1;
  }

  /** The tenant's jobs, newest first; the filter applies before the limit. Returns the page and the next cursor. */
  async list({ tenant, status, limit, cursor }: ListOptions): Promise<{ jobs: Job[]; next: string | null }> {
    const index =
      status === undefined
        ? this.keys.tenantJobIndex(tenant)
        : this.keys.tenantJobStatusIndex(tenant, status);
    const max = cursor === undefined ? '+' : `(${cursor}`;
    const ids = await this.redis.zrange(index, max, '-', 'BYLEX', 'REV', 'LIMIT', 0, limit + 1);
    const page = ids.slice(0, limit);
    const pipeline = this.redis.pipeline();
    for (const id of page) pipeline.hgetall(this.keys.job(id));
    const results = (await pipeline.exec()) ?? [];
    const jobs: Job[] = [];
    for (const [err, fields] of results) {
      if (err === null && (fields as Record<string, string>).status !== undefined)
        jobs.push(jobFromFields(fields as Record<string, string>));
    }
    return { jobs, next: ids.length > limit ? page[page.length - 1] : null };
  }

  /** Moves a job from one of `from` to `to`, appending the status event (and `done` when final). */
  async transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    fields: Record<string, string> = {},
    error?: JobError,
  ): Promise<TransitionResult> {
    const k = this.keys;
    const tenant = (await this.redis.hget(k.job(id), 'tenant')) ?? LEGACY_TENANT;
    const keys = [
      k.job(id),
      k.jobEvents(id),
      ...JOB_STATUSES.map((s) => k.jobStatusIndex(s)),
      ...JOB_STATUSES.map((s) => k.tenantJobStatusIndex(tenant, s)),
    ];
    const stamped = { ...fields };
    if (to === 'running' && stamped.started_at === undefined) stamped.started_at = now();
    if (isTerminal(to)) stamped.finished_at = now();
    if (error !== undefined) stamped.error = JSON.stringify(error);
    const done = isTerminal(to)
      ? JSON.stringify(error === undefined ? { status: to } : { status: to, error })
      : '';
    const argv = [id, to, from.join(','), done, ...Object.entries(stamped).flat()];
    const [applied, previous] = (await TRANSITION_SCRIPT.run(this.redis, keys, argv)) as [number, string];
    return { applied: applied === 1, previous: previous as JobStatus | '' };
  }

  /** Records a finished epoch: progress, latest metrics and the `epoch` event. */
  async recordEpoch(id: string, metrics: EpochMetrics): Promise<void> {
    const k = this.keys;
    await this.redis
      .multi()
      .hset(k.job(id), {
        progress: JSON.stringify({ epoch: metrics.epoch, epochs: metrics.epochs }),
        metrics: JSON.stringify(metrics),
      })
      .xadd(k.jobEvents(id), '*', 'type', 'epoch', 'data', JSON.stringify(metrics))
      .exec();
  }

  /** Progress within an epoch: an event only (the job record changes once per epoch). */
  async recordProgress(id: string, progress: StepProgress): Promise<void> {
    await this.redis.xadd(this.keys.jobEvents(id), '*', 'type', 'progress', 'data', JSON.stringify(progress));
  }

  async requestCancel(id: string): Promise<void> {
    await this.redis.hset(this.keys.job(id), 'cancel_requested', '1');
    await this.redis.publish(this.keys.cancelChannel(), id);
  }

  async cancelRequested(id: string): Promise<boolean> {
    return (await this.redis.hget(this.keys.job(id), 'cancel_requested')) === '1';
  }

  async getInput(id: string): Promise<string | null> {
    return this.redis.get(this.keys.jobInput(id));
  }

  async getInit(id: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.jobInit(id));
  }

  async saveModel(id: string, model: Buffer): Promise<void> {
    await this.redis.set(this.keys.jobModel(id), model);
  }

  async getModel(id: string): Promise<Buffer | null> {
    return this.redis.getBuffer(this.keys.jobModel(id));
  }

  /** Events after `after` (exclusive; `0` for all), oldest first. */
  async events(id: string, after = '0', count?: number): Promise<StoredJobEvent[]> {
    const start = after === '0' ? '-' : `(${after}`;
    const entries =
      count === undefined
        ? await this.redis.xrange(this.keys.jobEvents(id), start, '+')
        : await this.redis.xrange(this.keys.jobEvents(id), start, '+', 'COUNT', count);
    return entries.map(([entryId, fields]) => parseStreamEntry(entryId, fields));
  }

  /** The id of the job's newest event (`0` when it has none). */
  async lastEventId(id: string): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.keys.jobEvents(id), '+', '-', 'COUNT', 1);
    return newest?.[0] ?? '0';
  }

  /**
   * Waits up to `blockMs` for events after `after` on `connection` (a dedicated connection: a
   * blocking read occupies it). Returns [] on timeout.
   */
  async waitForEvents(
    connection: Redis,
    id: string,
    after: string,
    blockMs: number,
  ): Promise<StoredJobEvent[]> {
    const result = await connection.xread(
      'COUNT',
      500,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.keys.jobEvents(id),
      after,
    );
    if (result === null) return [];
    return result.flatMap(([, entries]) =>
      entries.map(([entryId, fields]) => parseStreamEntry(entryId, fields)),
    );
  }

  /** All per-epoch metrics, in order. */
  async metrics(id: string): Promise<EpochMetrics[]> {
    const events = await this.events(id);
    return events.flatMap((e: JobEvent) => (e.type === 'epoch' ? [e.data] : []));
  }

  /** Removes a job and everything stored for it. */
  async delete(id: string): Promise<void> {
    const k = this.keys;
    const tenant = (await this.redis.hget(k.job(id), 'tenant')) ?? LEGACY_TENANT;
    const tx = this.redis.multi();
    tx.del(k.job(id), k.jobInput(id), k.jobInit(id), k.jobEvents(id), k.jobModel(id), k.jobCheckpoint(id));
    tx.zrem(k.jobIndex(), id);
    tx.zrem(k.tenantJobIndex(tenant), id);
    for (const status of JOB_STATUSES) tx.zrem(k.jobStatusIndex(status), id);
    for (const status of JOB_STATUSES) tx.zrem(k.tenantJobStatusIndex(tenant, status), id);
    await tx.exec();
  }

  /** Claims the tenant's Idempotency-Key for a new job; returns the existing claim if the key was used. */
  async claimIdempotencyKey(
    tenant: string,
    key: string,
    claim: { job_id: string; fingerprint: string },
    ttlSeconds: number,
  ): Promise<{ job_id: string; fingerprint: string } | null> {
    const redisKey = this.keys.idempotency(tenant, key);
    const set = await this.redis.set(redisKey, JSON.stringify(claim), 'EX', ttlSeconds, 'NX');
    if (set === 'OK') return null;
    const existing = await this.redis.get(redisKey);
    return existing === null ? null : (JSON.parse(existing) as { job_id: string; fingerprint: string });
  }

  async releaseIdempotencyKey(tenant: string, key: string): Promise<void> {
    await this.redis.del(this.keys.idempotency(tenant, key));
  }
}
