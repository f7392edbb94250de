/**
 * The Fastify app, built from injected dependencies so tests, `server` entry points and the
 * OpenAPI generator all build the same thing. No listening here: see src/service/runtime.ts.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import errors from './plugins/errors.js';
import openapi from './plugins/openapi.js';
import services, { type Services } from './plugins/services.js';
import healthRoutes from './routes/health.js';
import eventRoutes from './routes/job-events.js';
import jobRoutes from './routes/jobs.js';
import modelRoutes from './routes/models.js';

export interface AppDeps extends Services {
  logger: Logger;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { logger, ...rest } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: deps.config.MAX_BODY_BYTES,
    // Route timeouts do not apply to SSE (hijacked); keep-alive suits long-lived clients.
    keepAliveTimeout: 65_000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(services, rest);
  await app.register(errors);
  await app.register(openapi);
  await app.register(healthRoutes);
  await app.register(jobRoutes);
  await app.register(eventRoutes);
  await app.register(modelRoutes);
  return app;
}
