/**
 * @hey-api/openapi-ts settings for the generated client SDK (`npm run sdk`): the TypeScript
 * types, one function per operation (SSE endpoints as async generators with `Last-Event-ID`
 * reconnects) and the fetch client, written to openapi/sdk/ from openapi/openapi.json.
 */
import { defineConfig } from '@hey-api/openapi-ts';

export const SDK_OUTPUT = 'openapi/sdk';

export default defineConfig({
  input: './openapi/openapi.json',
  output: { path: SDK_OUTPUT, importFileExtension: '.js' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
