/**
 * Every Redis key and channel name the service uses, in one place. All live under one prefix
 * (default `trainyard`), so several deployments (or parallel test files) can share a Redis.
 */
import { createHash } from 'node:crypto';
import type { JobStatus } from '../service/job-status.js';

export interface RedisKeys {
  readonly prefix: string;
  /** BullMQ's own key prefix (its keys are `<prefix>:bull:<queue>:...`). */
  readonly bullPrefix: string;
  /** Hash: the job record (status, timestamps, progress, latest metrics, error). */
  job(id: string): string;
  /** String: the job's input as submitted (spec, data, init), JSON; read by the worker. */
  jobInput(id: string): string;
  /** String: warm-start weights copied from another job (safetensors bytes). */
  jobInit(id: string): string;
  /** Stream: the job's event log (status, epoch, done), read by SSE clients. */
  jobEvents(id: string): string;
  /** String: the trained weights (safetensors bytes). */
  jobModel(id: string): string;
  /**
   * Hash: the run's resume point, written atomically with each epoch event: `epoch` (the last
   * completed one), `state` (binary checkpoint, see src/training/checkpoint-codec.ts) and `owner`
   * (the token of the worker attempt allowed to write; a stale attempt's writes are refused).
   */
  jobCheckpoint(id: string): string;
  /** Sorted set (all scores 0, ordered by id): every job, for listing newest first. */
  jobIndex(): string;
  /** Sorted set like `jobIndex`, holding the jobs currently in `status`. */
  jobStatusIndex(status: JobStatus): string;
  /** String: the job created for an Idempotency-Key (the tenant's; the key itself is hashed). */
  idempotency(tenant: string, key: string): string;
  /** Sorted set like `jobIndex`, holding one tenant's jobs. */
  tenantJobIndex(tenant: string): string;
  /** Sorted set like `jobStatusIndex`, holding one tenant's jobs in `status`. */
  tenantJobStatusIndex(tenant: string, status: JobStatus): string;
  /** Hash: API keys stored in Redis, SHA-256 hex of the key → JSON `{tenant, created_at}`. */
  apiKeys(): string;
  /** String: the generated HMAC secret of event-stream tokens (when TOKEN_SECRET is unset). */
  tokenSecret(): string;
  /** Prefix of @fastify/rate-limit's counters (`<prefix>:ratelimit:<route>-<key>`). */
  rateLimitPrefix(): string;
  /** A short-lived key /ready writes to learn whether Redis takes writes. */
  readyProbe(): string;
  /** Pub/sub channel: cancel requests, heard by every worker process. */
  cancelChannel(): string;
  /** Hash: a dataset's record (id, name, owner, created_at, summary JSON). */
  dataset(id: string): string;
  /** String: a dataset's features, row-major little-endian Float32. */
  datasetX(id: string): string;
  /** String: a dataset's targets, little-endian Int32 (class targets) or Float32. */
  datasetY(id: string): string;
  /** Set: ids of jobs that reference the dataset (delete refuses while one is queued or running). */
  datasetJobs(id: string): string;
  /** Sorted set (all scores 0, ordered by id): one tenant's datasets, for listing newest first. */
  tenantDatasetIndex(tenant: string): string;
  /** Hash: training counters every worker adds to (epochs, samples, epoch-duration buckets); read by /metrics. */
  trainingMetrics(): string;
  /** Hash: one field per worker process, JSON `{busy, capacity, samples_per_sec, at}`; read by /metrics. */
  workerMetrics(): string;
}

export function redisKeys(prefix: string): RedisKeys {
  return Object.freeze({
    prefix,
    bullPrefix: `${prefix}:bull`,
    job: (id: string) => `${prefix}:job:${id}`,
    jobInput: (id: string) => `${prefix}:job:${id}:input`,
    jobInit: (id: string) => `${prefix}:job:${id}:init`,
    jobEvents: (id: string) => `${prefix}:job:${id}:events`,
    jobModel: (id: string) => `${prefix}:job:${id}:model`,
    jobCheckpoint: (id: string) => `${prefix}:job:${id}:checkpoint`,
    jobIndex: () => `${prefix}:jobs`,
    jobStatusIndex: (status: JobStatus) => `${prefix}:jobs:${status}`,
    idempotency: (tenant: string, key: string) =>
      `${prefix}:idempotency:${tenant}:${createHash('sha256').update(key).digest('hex')}`,
    tenantJobIndex: (tenant: string) => `${prefix}:tenant:${tenant}:jobs`,
    tenantJobStatusIndex: (tenant: string, status: JobStatus) => `${prefix}:tenant:${tenant}:jobs:${status}`,
    apiKeys: () => `${prefix}:apikeys`,
    tokenSecret: () => `${prefix}:token-secret`,
    rateLimitPrefix: () => `${prefix}:ratelimit:`,
    readyProbe: () => `${prefix}:ready-probe`,
    cancelChannel: () => `${prefix}:cancel`,
    dataset: (id: string) => `${prefix}:dataset:${id}`,
    datasetX: (id: string) => `${prefix}:dataset:${id}:x`,
    datasetY: (id: string) => `${prefix}:dataset:${id}:y`,
    datasetJobs: (id: string) => `${prefix}:dataset:${id}:jobs`,
    tenantDatasetIndex: (tenant: string) => `${prefix}:tenant:${tenant}:datasets`,
    trainingMetrics: () => `${prefix}:metrics:training`,
    workerMetrics: () => `${prefix}:metrics:workers`,
  });
}

/** The BullMQ queue that carries training runs (one BullMQ job per training job, same id). */
export const TRAINING_QUEUE = 'training';
