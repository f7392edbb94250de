/** openapi/openapi.json is generated from the zod schemas (`npm run openapi`) and must be current. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, serializeOpenApi } from '../../src/api/openapi-document.js';

describe('OpenAPI document', () => {
  it('matches the committed openapi/openapi.json (run `npm run openapi` when this fails)', async () => {
    const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(serializeOpenApi(await buildOpenApiDocument()) === committed).toBe(true);
  });

  it('describes the SSE endpoint as text/event-stream with its event schemas', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
    const doc = (await buildOpenApiDocument()) as any;
    const events = doc.paths['/v1/jobs/{id}/events'].get.responses['200'].content['text/event-stream'];
    expect(events.schema.$ref).toBe('#/components/schemas/JobEvent');
    const union = doc.components.schemas.JobEvent;
    expect(JSON.stringify(union)).toContain('EpochEvent');
    expect(doc.components.schemas.EpochMetrics.properties).toHaveProperty('samples_per_sec');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/cancel',
        '/v1/jobs/{id}/model',
        '/v1/jobs/{id}/predict',
        '/health',
        '/ready',
      ]),
    );
    expect(doc.paths['/v1/jobs'].post.responses['400'].content).toHaveProperty(['application/problem+json']);
  });
});
