/**
 * The Fastify app, built from injected dependencies so tests, `server` entry points and the
 * OpenAPI generator all build the same thing. No listening here: see src/service/runtime.ts.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifySerializerCompiler,
} from 'fastify';
import {
  ResponseSerializationError,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { TrainingQueue } from '../queue/training-queue.js';
import admin from './plugins/admin.js';
import auth from './plugins/auth.js';
import dashboard from './plugins/dashboard.js';
import errors from './plugins/errors.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import security from './plugins/security.js';
import services, { type Services } from './plugins/services.js';
import datasetRoutes from './routes/datasets.js';
import healthRoutes from './routes/health.js';
import eventRoutes from './routes/job-events.js';
import jobRoutes from './routes/jobs.js';
import modelRoutes from './routes/models.js';
import tokenRoutes from './routes/tokens.js';

export interface AppDeps extends Services {
  logger: Logger;
  /** The training queue, for /metrics queue depth and bull-board (both left out without it). */
  queue?: TrainingQueue;
}

/**
 * Every response is checked against its route's schema (unknown keys dropped) and serialized.
 * The type provider's own compiler runs zod's encode, the backward direction, which misses zod's
 * compiled fast path and costs twice a parse (20 vs 10 µs for a job). No response schema here
 * holds a codec or a transform, so a parse gives the same value.
 */
const responseSerializer: FastifySerializerCompiler<z.ZodType> =
  ({ schema, method, url }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (!result.success) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };

/**
 * Node's request timeout (headers and body; 408, then the socket is closed). Node checks it only
 * every `connectionsCheckingInterval` (30 s by default), so the check runs at a tenth of the
 * timeout (at most every second): a stalled client is cut off near the timeout, not 30 s later.
 */
function requestTimeouts(timeoutMs: number) {
  return {
    requestTimeout: timeoutMs,
    http: {
      headersTimeout: Math.min(60_000, timeoutMs),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(timeoutMs / 10))),
    },
  };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { logger, queue, ...rest } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    bodyLimit: deps.config.MAX_BODY_BYTES,
    ...requestTimeouts(deps.config.REQUEST_TIMEOUT_MS),
    // Route timeouts do not apply to SSE (hijacked); keep-alive suits long-lived clients.
    keepAliveTimeout: 65_000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializer);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(services, rest);
  await app.register(errors);
  // Before any route: who the request is (request.tenant), then headers, JSON parsing, rate limit.
  await app.register(auth);
  await app.register(security);
  await app.register(metrics, { queue });
  await app.register(openapi);
  await app.register(healthRoutes);
  await app.register(jobRoutes);
  await app.register(eventRoutes);
  await app.register(modelRoutes);
  await app.register(tokenRoutes);
  await app.register(datasetRoutes);
  await app.register(dashboard);
  await app.register(admin, { queue });
  return app;
}
