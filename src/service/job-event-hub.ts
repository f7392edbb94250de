/**
 * Fan-out of job events within one API process: one blocking reader (XREAD on its own
 * connection) per job that has subscribers, shared by all of them, instead of one connection per
 * SSE client. Events still come from the job's Redis Stream, so any API process serves any job.
 *
 * Every subscriber gets every event after its own `after`, once and in order: the first one
 * starts the job's reader at its `after`, or at the stream's newest event when `after` is ahead of
 * the stream (a reader past the end would starve everyone who joins behind it); a later one that is behind the reader catches up from
 * the stream (XRANGE) while the reader's new events wait in its buffer, and events at or before
 * what it already has are skipped.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { duplicateFor } from '../redis/connection.js';
import type { StoredJobEvent } from './job-events.js';
import { isTerminal } from './job-status.js';
import type { JobStore } from './job-store.js';

/** Where one subscriber's events go (an SSE response). */
export interface JobEventSink {
  event(event: StoredJobEvent): void;
  /** Nothing happened for a heartbeat interval and the job is still live. */
  heartbeat(): void;
  /**
   * No more events: `done` was delivered, the job is finished or deleted, or the hub closed; with
   * `error` when reading the stream failed.
   */
  end(error?: Error): void;
}

interface Subscriber {
  sink: JobEventSink;
  /** Id of the last event delivered (or the subscriber's `after`). */
  last: string;
  /** Events the reader delivered while this subscriber was catching up; null once live. */
  pending: StoredJobEvent[] | null;
  ended: boolean;
}

interface Feed {
  jobId: string;
  reader: Redis;
  /** The last stream id the reader has read. */
  cursor: string;
  subscribers: Set<Subscriber>;
  stopped: boolean;
}

/** Orders stream ids (`ms-seq`, or `0`). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}

export interface JobEventHubOptions {
  /** How long a read blocks before the job is checked and subscribers get a heartbeat. */
  heartbeatMs: number;
  logger?: Pick<Logger, 'warn'>;
}

export class JobEventHub {
  private readonly feeds = new Map<string, Feed>();
  private closed = false;

  constructor(
    private readonly store: JobStore,
    /** The connection readers are duplicated from. */
    private readonly redis: Redis,
    private readonly options: JobEventHubOptions,
  ) {}

  /** Delivers the job's events after `after` to `sink` until `end`; returns an unsubscribe. */
  subscribe(jobId: string, after: string, sink: JobEventSink): () => void {
    if (this.closed) {
      sink.end();
      return () => {};
    }
    const sub: Subscriber = { sink, last: after, pending: null, ended: false };
    let feed = this.feeds.get(jobId);
    if (feed === undefined) {
      feed = {
        jobId,
        reader: duplicateFor(this.redis, 'consumer'),
        cursor: after,
        subscribers: new Set([sub]),
        stopped: false,
      };
      this.feeds.set(jobId, feed);
      void this.run(feed);
    } else {
      feed.subscribers.add(sub);
      if (compareStreamIds(after, feed.cursor) < 0) void this.catchUp(feed, sub);
    }
    const current = feed;
    return () => this.remove(current, sub, false);
  }

  /** Ends every subscriber and stops every reader. */
  close(): void {
    this.closed = true;
    for (const feed of [...this.feeds.values()]) this.stop(feed);
  }

  private async catchUp(feed: Feed, sub: Subscriber): Promise<void> {
    sub.pending = [];
    try {
      const history = await this.store.events(feed.jobId, sub.last);
      const pending = sub.pending;
      sub.pending = null;
      for (const event of [...history, ...pending]) {
        if (sub.ended) return;
        this.deliver(feed, sub, event);
      }
      // The reader stopped while this one caught up (job finished or deleted): it is complete now.
      if (feed.stopped) this.remove(feed, sub, true);
    } catch (err) {
      this.options.logger?.warn({ err, job_id: feed.jobId }, 'event stream catch-up failed');
      this.remove(feed, sub, true, asError(err));
    }
  }

  private async run(feed: Feed): Promise<void> {
    const { store } = this;
    try {
      const newest = await store.lastEventId(feed.jobId);
      if (compareStreamIds(feed.cursor, newest) > 0) feed.cursor = newest;
      while (!feed.stopped) {
        const events = await store.waitForEvents(
          feed.reader,
          feed.jobId,
          feed.cursor,
          this.options.heartbeatMs,
        );
        if (feed.stopped) return;
        if (events.length === 0) {
          const job = await store.get(feed.jobId);
          if (feed.stopped) return;
          if (job === null || isTerminal(job.status)) break; // deleted, or done already read
          for (const sub of feed.subscribers) if (sub.pending === null) sub.sink.heartbeat();
          continue;
        }
        for (const event of events) {
          feed.cursor = event.id;
          for (const sub of [...feed.subscribers]) this.deliver(feed, sub, event);
          if (event.type === 'done') return this.stop(feed);
        }
      }
    } catch (err) {
      if (!feed.stopped) {
        this.options.logger?.warn({ err, job_id: feed.jobId }, 'event stream failed');
        return this.stop(feed, asError(err));
      }
    }
    this.stop(feed);
  }

  private deliver(feed: Feed, sub: Subscriber, event: StoredJobEvent): void {
    if (sub.pending !== null) {
      sub.pending.push(event);
      return;
    }
    if (compareStreamIds(event.id, sub.last) <= 0) return;
    sub.last = event.id;
    sub.sink.event(event);
    if (event.type === 'done') this.remove(feed, sub, true);
  }

  /** Drops a subscriber (and ends its sink unless it unsubscribed); the last one stops the reader. */
  private remove(feed: Feed, sub: Subscriber, end: boolean, error?: Error): void {
    if (sub.ended) return;
    sub.ended = true;
    feed.subscribers.delete(sub);
    if (end) sub.sink.end(error);
    if (feed.subscribers.size === 0) this.stop(feed);
  }

  /** Stops the reader and ends its live subscribers; ones still catching up end when they have. */
  private stop(feed: Feed, error?: Error): void {
    if (this.feeds.get(feed.jobId) === feed) this.feeds.delete(feed.jobId);
    if (!feed.stopped) {
      feed.stopped = true;
      feed.reader.disconnect();
    }
    for (const sub of [...feed.subscribers]) if (sub.pending === null) this.remove(feed, sub, true, error);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
