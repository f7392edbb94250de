/** Writes openapi/openapi.json from the zod schemas (`npm run openapi`); commit the result. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument, serializeOpenApi } from '../src/api/openapi-document.js';

const path = new URL('../openapi/openapi.json', import.meta.url);
mkdirSync(new URL('.', path), { recursive: true });
writeFileSync(path, serializeOpenApi(await buildOpenApiDocument()));
process.stdout.write(`wrote ${path.pathname}\n`);
