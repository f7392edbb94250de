/**
 * Finds queued jobs that never reached the queue and enqueues them. Creating a job is two steps
 * (store it, then BullMQ `add`); if Redis drops or the API process dies between them, the job is
 * stored as queued with nothing to run it. Each worker process sweeps now and then: a job that is
 * still queued, older than `minAgeMs` and unknown to BullMQ is added again. The add uses the job
 * id as BullMQ's job id, so a job enqueued meanwhile (or by another worker's sweep) is not doubled.
 */
import type { Logger } from 'pino';
import type { JobStore } from '../service/job-store.js';
import type { TrainingQueue } from './training-queue.js';

/** Queued jobs old enough to be orphans looked at per sweep, oldest first. */
const BATCH = 200;

export interface OrphanSweeperOptions {
  store: JobStore;
  queue: TrainingQueue;
  logger: Logger;
  intervalMs: number;
  minAgeMs: number;
}

export class OrphanSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly options: OrphanSweeperOptions) {}

  /** One sweep; returns the ids it enqueued. */
  async sweepOnce(now = Date.now()): Promise<string[]> {
    const { store, queue, minAgeMs } = this.options;
    const enqueued: string[] = [];
    // Only jobs old enough are read: the queued index is in creation order (see ids.ts).
    for (const id of await store.queuedIdsCreatedBefore(now - minAgeMs, BATCH)) {
      if (await queue.has(id)) continue;
      await queue.enqueue(id);
      enqueued.push(id);
    }
    if (enqueued.length > 0) this.options.logger.warn({ jobs: enqueued }, 'enqueued orphaned queued jobs');
    return enqueued;
  }

  start(): void {
    if (this.timer !== null) return;
    const tick = () => {
      if (this.running !== null) return; // the previous sweep is still going
      this.running = this.sweepOnce()
        .catch((err) => this.options.logger.warn({ err }, 'orphan sweep failed'))
        .finally(() => {
          this.running = null;
        });
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops sweeping and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
