/**
 * Resume points of running jobs. After every epoch a worker commits, in ONE Lua script, the epoch
 * events, the binary checkpoint and the job's progress: a worker killed at any moment leaves
 * either the old checkpoint with the old events or the new one with the new events, so a resumed
 * run repeats and skips no epoch.
 *
 * Each attempt at a job claims the run with a fresh owner token; commits from any other token (a
 * worker that lost its lock, e.g. across a Redis restart, and still runs) are refused, as are
 * commits that do not continue from the stored epoch.
 */
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys.js';
import { LuaScript } from '../redis/lua-script.js';
import type { EpochMetrics } from '../training/results.js';

/** This attempt no longer owns the run (another attempt claimed it, or it is no longer running). */
export class LostOwnershipError extends Error {
  readonly code = 'lost_ownership';

  constructor(jobId: string) {
    super(`job ${jobId} is no longer run by this attempt`);
    this.name = 'LostOwnershipError';
  }
}

/** The stored checkpoint is not the one this attempt continued from (Redis lost writes). */
export class CheckpointConflictError extends Error {
  readonly code = 'checkpoint_conflict';

  constructor(jobId: string, expected: number, actual: number) {
    super(`job ${jobId}: expected the checkpoint of epoch ${expected}, found epoch ${actual}`);
    this.name = 'CheckpointConflictError';
  }
}

/**
 * KEYS: job hash, events stream, checkpoint hash.
 * ARGV: owner, previous epoch, new epoch, checkpoint bytes, progress JSON, latest metrics JSON,
 *       then one metrics JSON per epoch event.
 * Returns 1 when written, {-1} when not the owner or not running, {-2, stored epoch} on a conflict.
 */
const COMMIT_SCRIPT = new LuaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {-1, 0} end
if redis.call('HGET', KEYS[3], 'owner') ~= ARGV[1] then return {-1, 0} end
local current = tonumber(redis.call('HGET', KEYS[3], 'epoch') or '0')
if current ~= tonumber(ARGV[2]) then return {-2, current} end
for i = 7, #ARGV do
  redis.call('XADD', KEYS[2], '*', 'type', 'epoch', 'data', ARGV[i])
end
redis.call('HSET', KEYS[3], 'epoch', ARGV[3], 'state', ARGV[4])
redis.call('HSET', KEYS[1], 'progress', ARGV[5], 'metrics', ARGV[6])
return {1, tonumber(ARGV[3])}
`);

export interface ResumeState {
  /** The last committed epoch (0: none). */
  epoch: number;
  /** The checkpoint after `epoch` (null when `epoch` is 0). */
  state: Buffer | null;
}

export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Makes `owner` the only attempt allowed to commit, then returns where the run stands. Claim
   * first, read second: a stale attempt's commit either lands before the claim (and is read) or
   * is refused.
   */
  async claim(id: string, owner: string): Promise<ResumeState> {
    const key = this.keys.jobCheckpoint(id);
    const results = await this.redis
      .multi()
      .hset(key, 'owner', owner)
      .hget(key, 'epoch')
      .hgetBuffer(key, 'state')
      .exec();
    if (results === null) throw new Error(`job ${id}: claiming the run was aborted`);
    for (const [err] of results) if (err !== null) throw err;
    const epoch = Number(results[1][1] ?? 0);
    const state = (results[2][1] as Buffer | null) ?? null;
    return epoch > 0 && state !== null ? { epoch, state } : { epoch: 0, state: null };
  }

  /** Commits epochs `previous + 1 …` with the checkpoint after the last; throws if not allowed. */
  async commit(
    id: string,
    owner: string,
    previous: number,
    metrics: EpochMetrics[],
    checkpoint: Uint8Array,
  ): Promise<void> {
    const last = metrics[metrics.length - 1];
    const k = this.keys;
    const keys = [k.job(id), k.jobEvents(id), k.jobCheckpoint(id)];
    const argv: (string | Buffer)[] = [
      owner,
      String(previous),
      String(last.epoch),
      Buffer.from(checkpoint.buffer, checkpoint.byteOffset, checkpoint.byteLength),
      JSON.stringify({ epoch: last.epoch, epochs: last.epochs }),
      JSON.stringify(last),
      ...metrics.map((m) => JSON.stringify(m)),
    ];
    const [result, stored] = (await COMMIT_SCRIPT.run(this.redis, keys, argv)) as [number, number];
    if (result === -1) throw new LostOwnershipError(id);
    if (result === -2) throw new CheckpointConflictError(id, previous, stored);
  }

  /**
   * Whether `owner` still runs the job. Checked before storing the final weights; a stale attempt
   * that slips past it stores the very same weights (runs are deterministic).
   */
  async owns(id: string, owner: string): Promise<boolean> {
    const [status, current] = await Promise.all([
      this.redis.hget(this.keys.job(id), 'status'),
      this.redis.hget(this.keys.jobCheckpoint(id), 'owner'),
    ]);
    return status === 'running' && current === owner;
  }

  /** Drops the resume point of a finished job. */
  async clear(id: string): Promise<void> {
    await this.redis.del(this.keys.jobCheckpoint(id));
  }
}
