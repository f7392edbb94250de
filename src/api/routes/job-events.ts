/**
 * Live job events over server-sent events. Events are read from the job's Redis Stream (never
 * from this process's memory), so any API process serves any job. The stream id is the SSE `id`;
 * `Last-Event-ID` (or `?last_event_id=`) resumes right after it. The response ends after `done`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { duplicateFor } from '../../redis/connection.js';
import { ValidationError } from '../../service/errors.js';
import { EVENT_ID_PATTERN, jobEventSchema, type StoredJobEvent } from '../../service/job-events.js';
import { isTerminal } from '../../service/job-status.js';
import { jobIdParamsSchema, problemResponse } from '../schemas.js';

export function formatEvent(event: StoredJobEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs, store, redis, config } = app.services;

  app.get(
    '/v1/jobs/:id/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Stream job events (server-sent events)',
        description:
          'Events `status`, `epoch` and a final `done`, each with an `id`. Reconnect with `Last-Event-ID` (or `?last_event_id=`) to resume without loss or repeats. Comment lines (`: heartbeat`) keep idle connections open.',
        params: jobIdParamsSchema,
        headers: z.object({ 'last-event-id': z.string().max(64).optional() }),
        querystring: z.object({ last_event_id: z.string().max(64).optional() }),
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
      const job = await jobs.get(id);
      let after = request.headers['last-event-id'] ?? request.query.last_event_id ?? '0';
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
      const reader = duplicateFor(redis, 'consumer');
      let open = true;
      raw.on('close', () => {
        open = false;
        reader.disconnect();
      });
      try {
        while (open) {
          const events = await store.waitForEvents(reader, id, after, config.SSE_HEARTBEAT_MS);
          if (!open) break;
          if (events.length === 0) {
            const current = await store.get(id);
            if (current === null || isTerminal(current.status)) break; // deleted, or done already sent
            raw.write(': heartbeat\n\n');
            continue;
          }
          for (const event of events) {
            raw.write(formatEvent(event));
            after = event.id;
            if (event.type === 'done') {
              open = false;
              break;
            }
          }
        }
      } catch (err) {
        if (open) request.log.warn({ err, job_id: id }, 'event stream failed');
      } finally {
        reader.disconnect();
        raw.end();
      }
    },
  );
};

export default eventRoutes;
