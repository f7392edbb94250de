/**
 * Request-level defences, registered before any route: security headers (@fastify/helmet), the
 * JSON body parser that refuses hostile JSON (src/api/safe-json.ts), and a rate limit per API key
 * (per IP when the service runs open) whose counters live in Redis, so it holds across API
 * processes.
 */
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { TooManyRequestsError } from '../../service/errors.js';
import { parseJsonBody } from '../safe-json.js';
import { needsTenant } from './auth.js';

export default fp(
  async (app: FastifyInstance) => {
    const { config, redis, store } = app.services;

    await app.register(helmet, { global: true });

    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseJsonBody(body as string, config.MAX_JSON_DEPTH));
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    const window = config.RATE_LIMIT_WINDOW_MS === 1000 ? 'second' : `${config.RATE_LIMIT_WINDOW_MS} ms`;
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      redis,
      nameSpace: store.keys.rateLimitPrefix(),
      // Counted by API key (the auth hook ran first); only the API is limited, not health or docs.
      keyGenerator: (request) => request.principal || `ip:${request.ip}`,
      allowList: (request) => !needsTenant(request.url),
      // A Redis hiccup does not turn every request into an error here; the request meets Redis again soon.
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new TooManyRequestsError(
          'rate_limited',
          `Rate limit exceeded: at most ${context.max} requests per ${window}; retry in ${context.after}.`,
        ),
    });
  },
  { name: 'security', dependencies: ['services', 'errors', 'auth'] },
);
