/**
 * The producer side: enqueues a training job (the BullMQ job carries only the job id; the spec
 * and data live under the job's own keys) and removes queued ones.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type RedisKeys, TRAINING_QUEUE } from '../redis/keys.js';

/** The BullMQ payload: just the id. Typed here, validated by the worker. */
export interface TrainingJobData {
  job_id: string;
}

export interface TrainingQueueOptions {
  connection: Redis;
  keys: RedisKeys;
  attempts: number;
}

export class TrainingQueue {
  readonly queue: Queue<TrainingJobData, void, 'train'>;

  constructor(private readonly options: TrainingQueueOptions) {
    this.queue = new Queue<TrainingJobData, void, 'train'>(TRAINING_QUEUE, {
      connection: options.connection,
      prefix: options.keys.bullPrefix,
    });
    this.queue.on('error', () => {}); // surfaced to callers as rejected calls
  }

  async enqueue(jobId: string): Promise<void> {
    await this.queue.add(
      'train',
      { job_id: jobId },
      {
        jobId,
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  /** Whether the queue holds the job (waiting, delayed, active, or kept after failing). */
  async has(jobId: string): Promise<boolean> {
    return (await this.queue.getJob(jobId)) !== undefined;
  }

  /** Removes a job that has not started; a no-op when it is active or gone. */
  async remove(jobId: string): Promise<void> {
    try {
      await this.queue.remove(jobId);
    } catch {
      // Locked by a worker: the worker sees the cancelled status and skips it.
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
