/**
 * The one place errors become HTTP responses: service errors by their code and status,
 * request-schema failures as 400 with every bad field, Fastify's own 4xx as they are, and
 * anything else as a 500 whose details are logged, not returned. All as application/problem+json.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isRedisRefusingWrites, isRedisUnavailable } from '../../redis/connection.js';
import { issuePath, ServiceError } from '../../service/errors.js';
import type { Problem } from '../schemas.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: Omit<Problem, 'type' | 'instance' | 'request_id'>,
): FastifyReply {
  const body: Problem = {
    type: `https://trainyard.dev/problems/${problem.code.replaceAll('_', '-')}`,
    ...problem,
    instance: request.url.split('?')[0],
    request_id: request.id,
  };
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** `/optimizer/lr` (JSON pointer) → `optimizer.lr`; numeric segments become `[i]`. */
function pointerToPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replaceAll('~1', '/').replaceAll('~0', '~')));
  return issuePath(parts);
}

export default fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError, request, reply) => {
      if (err instanceof ServiceError) {
        const issues = 'issues' in err ? (err.issues as Problem['errors']) : undefined;
        return sendProblem(request, reply, {
          title: err.title,
          status: err.status,
          code: err.code,
          detail: err.message,
          ...(issues === undefined ? {} : { errors: issues }),
        });
      }
      if (hasZodFastifySchemaValidationErrors(err)) {
        const part = err.validationContext ?? 'request';
        return sendProblem(request, reply, {
          title: 'Invalid request',
          status: 400,
          code: 'validation_failed',
          detail: `Invalid ${part}; see errors.`,
          errors: err.validation.map((v) => ({
            path: pointerToPath(v.instancePath) || part,
            message: v.message ?? 'invalid',
          })),
        });
      }
      if (isRedisUnavailable(err)) {
        // Redis is down, restarting or out of memory: a quick, retryable answer instead of a
        // hanging request or a 500. Nothing was accepted.
        const refusing = isRedisRefusingWrites(err);
        request.log.warn({ err: err.message }, refusing ? 'redis refuses writes' : 'redis unavailable');
        reply.header('retry-after', refusing ? '5' : '1');
        return sendProblem(request, reply, {
          title: 'Service Unavailable',
          status: 503,
          code: 'redis_unavailable',
          detail: refusing
            ? 'The job store refuses writes for now (out of memory); nothing was stored, retry shortly.'
            : 'The job store is temporarily unreachable; retry shortly.',
        });
      }
      const status = err.statusCode ?? 500;
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = request.routeOptions.bodyLimit ?? app.services.config.MAX_BODY_BYTES;
        return sendProblem(request, reply, {
          title: 'Payload Too Large',
          status: 413,
          code: 'body_too_large',
          detail: `The request body is larger than ${limit} bytes (MAX_BODY_BYTES).`,
        });
      }
      if (status >= 400 && status < 500) {
        return sendProblem(request, reply, {
          title: err.name === 'FastifyError' ? 'Bad request' : err.name,
          status,
          code: (err.code ?? 'bad_request').toLowerCase(),
          detail: err.message,
        });
      }
      request.log.error({ err }, 'unhandled error');
      return sendProblem(request, reply, {
        title: 'Internal Server Error',
        status: 500,
        code: 'internal_error',
        detail: 'Something went wrong on our side; the error has been logged.',
      });
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, {
        title: 'Not Found',
        status: 404,
        code: 'route_not_found',
        detail: `No route ${request.method} ${request.url.split('?')[0]}`,
      }),
    );
  },
  { name: 'errors' },
);
