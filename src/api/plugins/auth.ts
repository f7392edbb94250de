/**
 * The one place that decides who a request is. Every `/v1/...` request gets `request.tenant`:
 * from `Authorization: Bearer <key>`, or (on routes with `config.eventToken`, i.e. SSE for
 * browsers' EventSource) from a short-lived `?token=`. With no keys configured anywhere the
 * service runs open and every request is tenant `default`. Everything else (health, docs, the
 * dashboard, /metrics, /admin with its own key) carries no tenant data and is not checked here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import { ApiKeys } from '../../auth/api-keys.js';
import { EventTokens, tokenSecretSource } from '../../auth/tokens.js';
import type { Config } from '../../config.js';
import { UnauthorizedError } from '../../service/errors.js';
import { problemResponse } from '../schemas.js';

/** The tenant of requests when the service runs open (no keys configured). */
export const OPEN_TENANT = 'default';

export interface Auth {
  keys: ApiKeys;
  tokens: EventTokens;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
  }
  interface FastifyRequest {
    /** The tenant the request acts for; set on every `/v1/...` request ('' elsewhere). */
    tenant: string;
    /** What the rate limit counts by: `key:<id>`, `token:<tenant>` or `ip:<address>`. */
    principal: string;
  }
  interface FastifyContextConfig {
    /** The route also accepts `?token=` from `POST /v1/tokens` (for EventSource). */
    eventToken?: boolean;
  }
}

export function needsTenant(url: string): boolean {
  return url.startsWith('/v1/') || url === '/v1';
}

/**
 * Refuses to start with AUTH_REQUIRED and no keys; otherwise warns loudly when running open.
 * Called by the composition root once Redis is reachable.
 */
export async function checkAuthAtStartup(config: Config, keys: ApiKeys, logger: Logger): Promise<void> {
  const count = await keys.count();
  if (count > 0) {
    logger.info({ api_keys: count }, 'API keys required');
    return;
  }
  if (config.AUTH_REQUIRED)
    throw new Error(
      'AUTH_REQUIRED=true but no API keys are configured: set API_KEYS=tenant:key or create one with `npm run keys -- create <tenant>`',
    );
  logger.warn(
    '!!! NO API KEYS CONFIGURED: the API is OPEN to anyone who can reach it (tenant "default"). ' +
      'Set API_KEYS or run `npm run keys -- create <tenant>`, and AUTH_REQUIRED=true in production. !!!',
  );
}

function bearer(header: string): string | null {
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  return match === null ? null : match[1];
}

export default fp(
  async (app: FastifyInstance) => {
    const { config, redis, store } = app.services;
    const keys = new ApiKeys(redis, store.keys, config.API_KEYS);
    const tokens = new EventTokens(
      tokenSecretSource(config.TOKEN_SECRET, redis, store.keys),
      config.TOKEN_TTL_SECONDS,
    );
    app.decorate('auth', { keys, tokens });
    app.decorateRequest('tenant', '');
    app.decorateRequest('principal', '');

    async function authenticate(request: FastifyRequest): Promise<void> {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const key = bearer(header);
        if (key === null)
          throw new UnauthorizedError('Malformed Authorization header: expected `Bearer <key>`.');
        const found = await keys.verify(key);
        if (found === null) throw new UnauthorizedError('Invalid API key.');
        request.tenant = found.tenant;
        request.principal = `key:${found.id}`;
        return;
      }
      const token = (request.query as Record<string, unknown> | undefined)?.token;
      if (request.routeOptions.config.eventToken === true && typeof token === 'string') {
        const tenant = await tokens.verify(token);
        if (tenant === null)
          throw new UnauthorizedError('Invalid or expired token; get a new one from POST /v1/tokens.');
        request.tenant = tenant;
        request.principal = `token:${tenant}`;
        return;
      }
      if (config.AUTH_REQUIRED || (await keys.any())) throw new UnauthorizedError();
      request.tenant = OPEN_TENANT;
      request.principal = `ip:${request.ip}`;
    }

    // Document it: every tenant route takes the bearer key and may answer 401 or 429.
    app.addHook('onRoute', (route) => {
      if (!needsTenant(route.url)) return;
      const schema = (route.schema ??= {}) as { security?: unknown; response?: Record<string, unknown> };
      schema.security = [{ bearerAuth: [] }];
      schema.response = {
        401: problemResponse('Missing or invalid API key'),
        429: problemResponse('Rate limit, or the active-jobs limit, exceeded'),
        ...schema.response,
      };
    });

    app.addHook('onRequest', async (request, reply) => {
      if (!needsTenant(request.url)) return;
      try {
        await authenticate(request);
      } catch (err) {
        if (err instanceof UnauthorizedError) reply.header('www-authenticate', 'Bearer realm="trainyard"');
        throw err;
      }
    });
  },
  { name: 'auth', dependencies: ['services', 'errors'] },
);
