/**
 * Typed job events over the generated SDK. The generated `streamJobEvents` yields each event's
 * `data` (reconnecting with `Last-Event-ID` on errors) and reports the event's name and id through
 * `onSseEvent`, which runs just before each yield; this pairs them back into `JobEvent`s, stops
 * after `done`, and fails instead of ending quietly when the stream gives up.
 */
import type { Client } from './sdk/client/index.js';
import { streamJobEvents } from './sdk/sdk.gen.js';
import type { JobEvent } from './sdk/types.gen.js';

export type FollowedEvent = JobEvent & { id?: string };

export interface FollowOptions {
  client: Client;
  signal?: AbortSignal;
  /** Resume after this event id (the events before it are not sent again). */
  lastEventId?: string;
  /** Reconnect attempts after an error before giving up (default 5). */
  maxRetries?: number;
}

export async function* followJobEvents(id: string, options: FollowOptions): AsyncGenerator<FollowedEvent> {
  let current: { event?: string; id?: string } = {};
  let lastError: unknown;
  const { stream } = await streamJobEvents({
    client: options.client,
    path: { id },
    signal: options.signal,
    headers: options.lastEventId === undefined ? undefined : { 'last-event-id': options.lastEventId },
    sseMaxRetryAttempts: options.maxRetries ?? 5,
    sseDefaultRetryDelay: 500,
    onSseEvent: (event) => {
      current = { event: event.event, id: event.id };
    },
    onSseError: (error) => {
      lastError = error;
    },
  });
  for await (const data of stream) {
    const event = { type: current.event, data, id: current.id } as unknown as FollowedEvent;
    yield event;
    if (event.type === 'done') return;
  }
  if (options.signal?.aborted) return;
  const reason = lastError instanceof Error ? lastError.message : 'the server closed it';
  throw new Error(`event stream of job ${id} ended before "done": ${reason}`);
}
