/**
 * Live job events over server-sent events. Events are read from the job's Redis Stream (never
 * from this process's memory), so any API process serves any job; within a process one reader per
 * job fans out to all its clients (src/service/job-event-hub.ts). The stream id is the SSE `id`;
 * `Last-Event-ID` (or `?last_event_id=`) resumes right after it. The response ends after `done`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '../../service/errors.js';
import { JobEventHub } from '../../service/job-event-hub.js';
import { isEventId, jobEventSchema, type StoredJobEvent } from '../../service/job-events.js';
import { isTerminal } from '../../service/job-status.js';
import { jobIdParamsSchema, problemResponse } from '../schemas.js';

export function formatEvent(event: StoredJobEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** The last event of a stream that could not be read to its end; the client may reconnect. */
const STREAM_ERROR = `event: error\ndata: ${JSON.stringify({
  code: 'internal_error',
  message: 'reading the job events failed; reconnect with Last-Event-ID to resume',
})}\n\n`;

const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs, store, redis, config } = app.services;
  const hub = new JobEventHub(store, redis, { heartbeatMs: config.SSE_HEARTBEAT_MS, logger: app.log });
  // End open streams before the server waits for its connections (clients reconnect elsewhere).
  app.addHook('preClose', async () => hub.close());
  // One event goes to many clients in a row: it is formatted once, and framed once as an HTTP/1.1
  // chunk, which goes to each client's socket as is. res.write would encode and frame it again for
  // every client (four socket writes, coalesced): a fifth of the API's CPU per client and event.
  let framed: { event: StoredJobEvent; text: string; chunk: Buffer } | null = null;
  const frame = (event: StoredJobEvent) => {
    if (framed?.event !== event) {
      const text = formatEvent(event);
      const chunk = Buffer.from(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
      framed = { event, text, chunk };
    }
    return framed;
  };

  app.get(
    '/v1/jobs/:id/events',
    {
      // Browsers' EventSource cannot send headers: a token from POST /v1/tokens works as ?token=.
      config: { eventToken: true },
      schema: {
        tags: ['events'],
        summary: 'Stream job events (server-sent events)',
        operationId: 'streamJobEvents',
        description:
          'Events `status`, `epoch` and a final `done`, each with an `id`. Reconnect with `Last-Event-ID` (or `?last_event_id=`) to resume without loss or repeats. Comment lines (`: heartbeat`) keep idle connections open.',
        params: jobIdParamsSchema,
        headers: z.object({ 'last-event-id': z.string().max(64).optional() }),
        querystring: z.object({
          last_event_id: z.string().max(64).optional(),
          token: z
            .string()
            .max(256)
            .optional()
            .describe(
              'A short-lived token from `POST /v1/tokens`, for clients that cannot send `Authorization` (EventSource).',
            ),
        }),
        response: {
          200: {
            description: 'A text/event-stream of JobEvent',
            content: { 'text/event-stream': { schema: jobEventSchema } },
          },
          400: problemResponse('Invalid request'),
          404: problemResponse('Not found'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const job = await jobs.get(request.tenant, id);
      const header = request.headers['last-event-id'];
      const after = header ?? request.query.last_event_id ?? '0';
      if (!isEventId(after)) {
        throw new ValidationError([
          {
            path: header === undefined ? 'last_event_id' : 'Last-Event-ID',
            message: 'expected an event id like 1712345678901-0 (two parts of at most 2^64-1)',
          },
        ]);
      }

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write('retry: 2000\n\n'); // with the headers: whatever follows on the socket comes after them

      // After the hijack no error handler answers: a failure ends the stream with an `error` event.
      const fail = (err: Error) => {
        request.log.warn({ err, job_id: id }, 'event stream failed');
        raw.end(STREAM_ERROR);
      };
      if (isTerminal(job.status)) {
        // Finished: the log is complete, so send what is left and close without waiting.
        try {
          for (const event of await store.events(id, after)) raw.write(formatEvent(event));
          raw.end();
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
        }
        return;
      }
      const send = (event: StoredJobEvent) => {
        const socket = raw.socket;
        // Chunked (an HTTP/1.1 client), as every write so far: frame it ourselves. An HTTP/1.0
        // client gets the plain text through res.write.
        if (raw.chunkedEncoding && socket !== null) {
          if (socket.writable) socket.write(frame(event).chunk);
        } else raw.write(frame(event).text);
      };
      await new Promise<void>((resolve) => {
        const unsubscribe = hub.subscribe(id, after, {
          event: send,
          heartbeat: () => raw.write(': heartbeat\n\n'),
          end: (error) => {
            if (error === undefined) raw.end();
            else fail(error);
            resolve();
          },
        });
        raw.on('close', () => {
          unsubscribe();
          resolve();
        });
      });
    },
  );
};

export default eventRoutes;
