/** Short-lived tokens for the events endpoint, for browsers' EventSource (which cannot send headers). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export const eventTokenSchema = z
  .object({
    token: z.string().describe('Pass as `?token=` to `GET /v1/jobs/{id}/events`.'),
    expires_at: z.iso.datetime().describe('When the token stops working (RFC 3339, UTC).'),
  })
  .describe('A short-lived token for event streams, scoped to your tenant.');

const tokenRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Get a short-lived token for event streams',
        description:
          'For `EventSource`, which cannot send `Authorization`: open `/v1/jobs/{id}/events?token=<token>`. Valid for TOKEN_TTL_SECONDS (default 5 minutes) and only on event streams.',
        response: { 201: eventTokenSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await app.auth.tokens.issue(request.tenant)),
  );
};

export default tokenRoutes;
