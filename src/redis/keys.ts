/**
 * Every Redis key and channel name the service uses, in one place. All live under one prefix
 * (default `trainyard`), so several deployments (or parallel test files) can share a Redis.
 */
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
  /** Sorted set (all scores 0, ordered by id): every job, for listing newest first. */
  jobIndex(): string;
  /** Sorted set like `jobIndex`, holding the jobs currently in `status`. */
  jobStatusIndex(status: JobStatus): string;
  /** String: the job created for an Idempotency-Key. */
  idempotency(key: string): string;
  /** Pub/sub channel: cancel requests, heard by every worker process. */
  cancelChannel(): string;
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
    jobIndex: () => `${prefix}:jobs`,
    jobStatusIndex: (status: JobStatus) => `${prefix}:jobs:${status}`,
    idempotency: (key: string) => `${prefix}:idempotency:${key}`,
    cancelChannel: () => `${prefix}:cancel`,
  });
}

/** The BullMQ queue that carries training runs (one BullMQ job per training job, same id). */
export const TRAINING_QUEUE = 'training';
