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
import { EVENT_ID_PATTERN, jobEventSchema, type StoredJobEvent } from '../../service/job-events.js';
import { isTerminal } from '../../service/job-status.js';
import { jobIdParamsSchema, problemResponse } from '../schemas.js';

export function formatEvent(event: StoredJobEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs, store, redis, config } = app.services;
  const hub = new JobEventHub(store, redis, { heartbeatMs: config.SSE_HEARTBEAT_MS, logger: app.log });
  // End open streams before the server waits for its connections (clients reconnect elsewhere).
  app.addHook('preClose', async () => hub.close());
  // One event goes to many clients in a row: format it once.
  let formatted: { event: StoredJobEvent; text: string } | null = null;
  const format = (event: StoredJobEvent) => {
    if (formatted?.event !== event) formatted = { event, text: formatEvent(event) };
    return formatted.text;
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
      const after = request.headers['last-event-id'] ?? request.query.last_event_id ?? '0';
      if (!EVENT_ID_PATTERN.test(after)) {
        throw new ValidationError([
          { path: 'Last-Event-ID', message: 'expected an event id like 1712345678901-0' },
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
      raw.write('retry: 2000\n\n');

      if (isTerminal(job.status)) {
        // Finished: the log is complete, so send what is left and close without waiting.
        for (const event of await store.events(id, after)) raw.write(formatEvent(event));
        raw.end();
        return;
      }
      await new Promise<void>((resolve) => {
        const unsubscribe = hub.subscribe(id, after, {
          event: (event) => raw.write(format(event)),
          heartbeat: () => raw.write(': heartbeat\n\n'),
          end: () => {
            raw.end();
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
