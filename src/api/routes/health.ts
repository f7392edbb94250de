/** Liveness (the process answers) and readiness (Redis answers). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isRedisRefusingWrites } from '../../redis/connection.js';
import { sendProblem } from '../plugins/errors.js';
import { healthSchema, problemResponse } from '../schemas.js';

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The process is alive',
        operationId: 'getHealth',
        response: { 200: healthSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Redis is reachable and takes writes',
        operationId: 'getReady',
        response: { 200: healthSchema, 503: problemResponse('Redis unreachable or refusing writes') },
      },
    },
    async (request, reply) => {
      const { redis, store } = app.services;
      // A write, not a ping: a Redis that answers but refuses writes (maxmemory reached,
      // read-only) cannot take jobs, so this process is not ready either.
      const state = await Promise.race([
        redis.set(store.keys.readyProbe(), String(Date.now()), 'PX', 10_000).then(
          () => 'ok' as const,
          (err: Error) => (isRedisRefusingWrites(err) ? ('refusing' as const) : ('down' as const)),
        ),
        new Promise<'down'>((resolve) => setTimeout(() => resolve('down'), 1000).unref()),
      ]);
      if (state === 'ok') return { status: 'ok' as const };
      reply.header('retry-after', state === 'refusing' ? '5' : '1');
      return sendProblem(request, reply, {
        title: 'Service Unavailable',
        status: 503,
        code: 'redis_unavailable',
        detail:
          state === 'refusing'
            ? 'Redis refuses writes (out of memory or read-only)'
            : 'Redis is not reachable',
      });
    },
  );
};

export default healthRoutes;
