/**
 * Training metrics shared through Redis, so one `GET /metrics` on any API process covers every
 * worker process. Workers add to counters (`HINCRBY`, so any number of them can write) and keep
 * one snapshot field each (threads busy, samples/s); the API reads both at scrape time.
 *
 * Epoch durations are a Prometheus histogram: a worker increments the one bucket an epoch falls
 * in, and the reader makes the buckets cumulative.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys.js';
import type { EpochMetrics } from '../training/results.js';

/** Upper bounds (seconds) of the epoch-duration histogram buckets; `+Inf` is implied. */
export const EPOCH_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60] as const;

/** A worker's snapshot is ignored once this old (the worker died without clearing it). */
const SNAPSHOT_TTL_MS = 30_000;
const HEARTBEAT_MS = 10_000;

export interface WorkerSnapshot {
  busy: number;
  capacity: number;
  samples_per_sec: number;
  /** Epoch milliseconds of the write. */
  at: number;
}

export interface TrainingTotals {
  epochs: number;
  samples: number;
  epochSecondsSum: number;
  /** Cumulative counts, one per EPOCH_SECONDS_BUCKETS entry, then +Inf. */
  epochSecondsBuckets: number[];
  workers: Record<string, WorkerSnapshot>;
}

function bucketField(seconds: number): string {
  const le = EPOCH_SECONDS_BUCKETS.find((b) => seconds <= b);
  return `bucket:${le ?? '+Inf'}`;
}

/** The worker side: records epochs and this process's busy threads. */
export class TrainingStatsWriter {
  readonly workerId = `${hostname()}:${process.pid}`;
  /** Latest samples/s of each job running here. */
  private readonly rates = new Map<string, number>();
  private lastSnapshot = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly capacity: number,
  ) {
    this.timer = setInterval(() => void this.snapshot(), HEARTBEAT_MS);
    this.timer.unref();
  }

  jobStarted(jobId: string): Promise<void> {
    this.rates.set(jobId, 0);
    return this.snapshot();
  }

  jobEnded(jobId: string): Promise<void> {
    this.rates.delete(jobId);
    return this.snapshot();
  }

  /** Never rejects: metrics must not fail a training run. */
  async epoch(jobId: string, metrics: EpochMetrics): Promise<void> {
    const seconds = metrics.duration_ms / 1000;
    const samples = Math.round(metrics.samples_per_sec * seconds);
    const key = this.keys.trainingMetrics();
    await this.redis
      .multi()
      .hincrby(key, 'epochs', 1)
      .hincrby(key, 'samples', samples)
      .hincrbyfloat(key, 'epoch_seconds_sum', seconds)
      .hincrby(key, bucketField(seconds), 1)
      .exec()
      .catch(() => {});
    this.rates.set(jobId, metrics.samples_per_sec);
    if (Date.now() - this.lastSnapshot >= 1000) await this.snapshot();
  }

  private async snapshot(): Promise<void> {
    this.lastSnapshot = Date.now();
    let samplesPerSec = 0;
    for (const rate of this.rates.values()) samplesPerSec += rate;
    const value: WorkerSnapshot = {
      busy: this.rates.size,
      capacity: this.capacity,
      samples_per_sec: samplesPerSec,
      at: this.lastSnapshot,
    };
    await this.redis.hset(this.keys.workerMetrics(), this.workerId, JSON.stringify(value)).catch(() => {});
  }

  /** Stops the heartbeat and removes this worker's snapshot. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.keys.workerMetrics(), this.workerId).catch(() => {});
  }
}

/** The API side: reads the totals and the live worker snapshots (dropping stale ones). */
export async function readTrainingTotals(redis: Redis, keys: RedisKeys): Promise<TrainingTotals> {
  const [counters, workers] = await Promise.all([
    redis.hgetall(keys.trainingMetrics()),
    redis.hgetall(keys.workerMetrics()),
  ]);
  const num = (field: string) => Number(counters[field] ?? 0);
  let running = 0;
  const epochSecondsBuckets = [...EPOCH_SECONDS_BUCKETS, '+Inf'].map(
    (le) => (running += num(`bucket:${le}`)),
  );
  const live: Record<string, WorkerSnapshot> = {};
  const stale: string[] = [];
  for (const [id, json] of Object.entries(workers)) {
    const snapshot = JSON.parse(json) as WorkerSnapshot;
    if (Date.now() - snapshot.at > SNAPSHOT_TTL_MS) stale.push(id);
    else live[id] = snapshot;
  }
  if (stale.length > 0) await redis.hdel(keys.workerMetrics(), ...stale);
  return {
    epochs: num('epochs'),
    samples: num('samples'),
    epochSecondsSum: num('epoch_seconds_sum'),
    epochSecondsBuckets,
    workers: live,
  };
}
