/**
 * Request-level defences, registered before any route: security headers (helmet's), the
 * JSON body parser that refuses hostile JSON (src/api/safe-json.ts), and a rate limit per API key
 * (per IP when the service runs open) whose counters live in Redis, so it holds across API
 * processes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { TooManyRequestsError, UnsupportedCharsetError } from '../../service/errors.js';
import { parseJsonBody } from '../safe-json.js';
import { needsTenant } from './auth.js';

export default fp(
  async (app: FastifyInstance) => {
    const { config, redis, store } = app.services;

    const headers = helmetHeaders();
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });

    // Every body is decoded as UTF-8: another declared charset would be read as mojibake.
    app.addHook('preParsing', async (request) => {
      const charset = declaredCharset(request.headers['content-type']);
      if (charset !== null && !/^utf-?8$/i.test(charset)) throw new UnsupportedCharsetError(charset);
    });

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

/** The `charset` parameter of a Content-Type header (unquoted), or null. */
export function declaredCharset(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const match = /;\s*charset\s*=\s*("([^"]*)"|[^;\s]*)/i.exec(contentType);
  return match === null ? null : (match[2] ?? match[1]);
}

/**
 * The headers helmet sets with its defaults. They do not depend on the request (no CSP nonces), so
 * they are computed once here rather than by running helmet's middleware on every request.
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown = null;
  helmet()({} as IncomingMessage, response as unknown as ServerResponse, (err?: unknown) => {
    failure = err ?? null;
  });
  if (failure !== null) throw failure;
  return headers;
}
