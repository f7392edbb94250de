/**
 * OpenAPI from the zod schemas: @fastify/swagger with fastify-type-provider-zod's transforms and
 * our registry of named schemas (so they become `$ref` components), Swagger UI at /docs, and the
 * document at /openapi.json. A route whose body may come in other media types than JSON lists
 * their zod schemas in `config.openapiBodyContent`; they join the JSON body's in the request body.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';
import { createSchemaRegistry } from '../schemas.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Request bodies of other media types than the JSON `schema.body`, for the OpenAPI document. */
    openapiBodyContent?: Record<string, ZodType>;
  }
}

type Transform = ReturnType<typeof createJsonSchemaTransform>;

/** The zod transform, with a route's `openapiBodyContent` added to its request body's content. */
function withBodyContent(transform: Transform): Transform {
  return (document) => {
    const result = transform(document);
    const extra = (document.route as { config?: { openapiBodyContent?: Record<string, ZodType> } }).config
      ?.openapiBodyContent;
    const schema = result.schema as { body?: unknown } | undefined;
    if (extra === undefined || schema?.body === undefined) return result;
    const content: Record<string, { schema: unknown }> = { 'application/json': { schema: schema.body } };
    for (const [type, zod] of Object.entries(extra)) {
      const converted = transform({ ...document, schema: { body: zod } }).schema as { body: unknown };
      content[type] = { schema: converted.body };
    }
    return { ...result, schema: { ...schema, body: { content } } };
  };
}

export const API_VERSION = '1.0.0';

export default fp(
  async (app: FastifyInstance) => {
    const schemaRegistry = createSchemaRegistry();
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Trainyard API',
          version: API_VERSION,
          description:
            'Training-as-a-service: submit PyTorch-style training jobs, watch them over server-sent events, download weights and predict.',
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description:
                'An API key: `Authorization: Bearer <key>` (not needed when the service runs open).',
            },
          },
        },
        tags: [
          { name: 'jobs', description: 'Training jobs' },
          { name: 'events', description: 'Live job events (SSE)' },
          { name: 'models', description: 'Trained weights and inference' },
          { name: 'datasets', description: 'Uploaded datasets' },
          { name: 'health', description: 'Liveness and readiness' },
          { name: 'auth', description: 'Tokens for event streams' },
        ],
      },
      transform: withBodyContent(
        createJsonSchemaTransform({
          schemaRegistry,
          skipList: ['/docs', '/docs/*', '/openapi.json'],
        }),
      ),
      transformObject: createJsonSchemaTransformObject({ schemaRegistry }),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } as object }, async () => app.swagger());
  },
  { name: 'openapi' },
);
