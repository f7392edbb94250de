/**
 * Operator pages: bull-board at `/admin/queues`, behind `ADMIN_API_KEY`. The key is accepted as
 * `Authorization: Bearer <key>` (scripts) or as the password of HTTP Basic auth (browsers prompt
 * for it). Without ADMIN_API_KEY, or without a queue to show, nothing is mounted.
 */
import { timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { TrainingQueue } from '../../queue/training-queue.js';
import { sendProblem } from './errors.js';

export const ADMIN_QUEUES_PATH = '/admin/queues';

export interface AdminOptions {
  queue?: TrainingQueue;
}

/** Compares secrets in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key from `Bearer <key>` or from Basic auth's password; null when absent. */
export function presentedAdminKey(authorization: string | undefined): string | null {
  if (authorization === undefined) return null;
  const [scheme, value = ''] = authorization.split(' ', 2);
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? null : decoded.slice(colon + 1);
  }
  return null;
}

/** Not wrapped in fastify-plugin: the auth hook stays inside this context. */
export default async function admin(app: FastifyInstance, options: AdminOptions): Promise<void> {
  const key = app.services.config.ADMIN_API_KEY;
  if (key === undefined || options.queue === undefined) return;

  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true }; // operator pages stay out of the OpenAPI document
  });
  app.addHook('onRequest', async (request, reply) => {
    const given = presentedAdminKey(request.headers.authorization);
    if (given !== null && sameSecret(given, key)) return;
    reply.header('www-authenticate', 'Basic realm="trainyard admin", charset="UTF-8"');
    return sendProblem(request, reply, {
      title: 'Unauthorized',
      status: 401,
      code: 'admin_key_required',
      detail: 'Operator pages need the admin key (Bearer, or as the Basic auth password).',
    });
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(options.queue.queue as never)],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Trainyard queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: ADMIN_QUEUES_PATH });
}
