/** Decorates the instance with the injected dependencies, typed for every route plugin. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { DatasetService } from '../../service/dataset-service.js';
import type { JobService } from '../../service/job-service.js';
import type { JobStore } from '../../service/job-store.js';

export interface Services {
  config: Config;
  /** A producer connection (fail fast); SSE readers duplicate it. */
  redis: Redis;
  store: JobStore;
  jobs: JobService;
  datasets: DatasetService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

export default fp(
  async (app: FastifyInstance, services: Services) => {
    app.decorate('services', services);
  },
  { name: 'services' },
);
