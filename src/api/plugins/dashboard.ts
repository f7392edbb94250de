/**
 * The live dashboard at `/`: static ES modules from src/dashboard/ (no build step) and uPlot
 * straight from node_modules at `/vendor/uplot/`. The page calls the public API with the user's
 * key in the Authorization header; nothing here needs a key.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const DASHBOARD_ROOT = fileURLToPath(new URL('../../dashboard/', import.meta.url));
const UPLOT_ROOT = dirname(createRequire(import.meta.url).resolve('uplot'));
const UPLOT_FILES = new Set(['/uPlot.esm.js', '/uPlot.min.css']);

/** Not wrapped in fastify-plugin: its `sendFile` decorations stay in this context. */
export default async function dashboard(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: DASHBOARD_ROOT,
    prefix: '/',
    wildcard: false, // one route per file, so it never shadows the API's routes or 404s
    index: 'index.html',
    cacheControl: false,
    setHeaders: (reply) => reply.header('cache-control', 'no-cache'),
  });
  await app.register(fastifyStatic, {
    root: UPLOT_ROOT,
    prefix: '/vendor/uplot/',
    wildcard: false,
    decorateReply: false,
    allowedPath: (path) => UPLOT_FILES.has(path),
    maxAge: '1d',
  });
}
