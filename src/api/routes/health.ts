/** Liveness (the process answers) and readiness (Redis answers). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
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
        summary: 'Redis is reachable',
        operationId: 'getReady',
        response: { 200: healthSchema, 503: problemResponse('Redis unreachable') },
      },
    },
    async (request, reply) => {
      const { redis } = app.services;
      const ok = await Promise.race([
        redis.ping().then(
          () => true,
          () => false,
        ),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref()),
      ]);
      if (ok) return { status: 'ok' as const };
      return sendProblem(request, reply, {
        title: 'Service Unavailable',
        status: 503,
        code: 'redis_unavailable',
        detail: 'Redis is not reachable',
      });
    },
  );
};

export default healthRoutes;
