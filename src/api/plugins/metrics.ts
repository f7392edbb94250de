/**
 * `GET /metrics` in Prometheus text format (prom-client). This process measures its own HTTP
 * requests and open SSE connections; job, queue and training figures are read from Redis at
 * scrape time (job status indexes, BullMQ counts, and the counters workers add to, see
 * src/metrics/training-stats.ts), so every API process reports the whole deployment's state and
 * workers need no port of their own.
 *
 * The figures are the whole deployment's (every tenant's job counts), so they are for operators:
 * with METRICS_TOKEN set a scrape must send `Authorization: Bearer <METRICS_TOKEN>`; without it
 * /metrics is served only by a service that does not require API keys (AUTH_REQUIRED unset).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import {
  EPOCH_SECONDS_BUCKETS,
  readTrainingTotals,
  type TrainingTotals,
} from '../../metrics/training-stats.js';
import type { TrainingQueue } from '../../queue/training-queue.js';
import { JOB_STATUSES } from '../../service/job-status.js';
import { sameSecret } from './admin.js';
import { sendProblem } from './errors.js';

export interface MetricsOptions {
  /** BullMQ queue for depth gauges; without it they are not reported. */
  queue?: TrainingQueue;
}

const SSE_ROUTE = '/v1/jobs/:id/events';

/** A histogram whose buckets were counted elsewhere (by workers, in Redis). */
function externalHistogram(name: string, help: string, read: () => TrainingTotals | null): Metric {
  const histogram = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const totals = read();
      const buckets = totals?.epochSecondsBuckets ?? [];
      const les = [...EPOCH_SECONDS_BUCKETS.map(String), '+Inf'];
      return {
        name,
        help,
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...les.map((le, i) => ({ metricName: `${name}_bucket`, labels: { le }, value: buckets[i] ?? 0 })),
          { metricName: `${name}_sum`, labels: {}, value: totals?.epochSecondsSum ?? 0 },
          { metricName: `${name}_count`, labels: {}, value: totals?.epochs ?? 0 },
        ],
      };
    },
  };
  return histogram as unknown as Metric;
}

export default fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const { redis, store } = app.services;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const registers = [registry];

    const httpDuration = new Histogram({
      name: 'trainyard_http_request_duration_seconds',
      help: 'HTTP request durations by route and status (SSE streams excluded).',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const sseOpen = new Gauge({
      name: 'trainyard_sse_connections',
      help: 'Job event streams open on this API process.',
      registers,
    });
    const jobsByStatus = new Gauge({
      name: 'trainyard_jobs',
      help: 'Jobs by status.',
      labelNames: ['status'],
      registers,
    });
    const queueDepth = new Gauge({
      name: 'trainyard_queue_jobs',
      help: 'Training queue depth by state (BullMQ).',
      labelNames: ['state'],
      registers,
    });
    const epochs = new Counter({
      name: 'trainyard_training_epochs_total',
      help: 'Epochs trained, all workers.',
      registers,
    });
    const samples = new Counter({
      name: 'trainyard_training_samples_total',
      help: 'Samples trained (summed over epochs), all workers; rate() gives samples/s.',
      registers,
    });
    const samplesPerSec = new Gauge({
      name: 'trainyard_training_samples_per_second',
      help: 'Current training throughput: latest samples/s of every running job, summed.',
      registers,
    });
    const threadsBusy = new Gauge({
      name: 'trainyard_worker_threads_busy',
      help: 'Training threads running a job, by worker process.',
      labelNames: ['worker'],
      registers,
    });
    const threads = new Gauge({
      name: 'trainyard_worker_threads',
      help: 'Training threads available (WORKER_CONCURRENCY), by worker process.',
      labelNames: ['worker'],
      registers,
    });
    let totals: TrainingTotals | null = null;
    registry.registerMetric(
      externalHistogram(
        'trainyard_epoch_duration_seconds',
        'Wall time of one training epoch, all workers.',
        () => totals,
      ),
    );

    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url !== SSE_ROUTE) return;
      sseOpen.inc();
      reply.raw.once('close', () => sseOpen.dec());
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      if (route === SSE_ROUTE) return;
      httpDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    const { METRICS_TOKEN: token, AUTH_REQUIRED: authRequired } = app.services.config;
    if (token === undefined && authRequired) return; // no way to tell an operator: not served
    const operatorOnly = async (request: FastifyRequest, reply: FastifyReply) => {
      if (token === undefined) return;
      const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.headers.authorization ?? '');
      if (match !== null && sameSecret(match[1], token)) return;
      reply.header('www-authenticate', 'Bearer realm="trainyard metrics"');
      return sendProblem(request, reply, {
        title: 'Unauthorized',
        status: 401,
        code: 'metrics_token_required',
        detail: 'Metrics need the operator token: send `Authorization: Bearer <METRICS_TOKEN>`.',
      });
    };

    app.get(
      '/metrics',
      { schema: { hide: true } as object, onRequest: operatorOnly },
      async (_request, reply) => {
        const [counts, queueCounts, read] = await Promise.all([
          Promise.all(JOB_STATUSES.map((status) => redis.zcard(store.keys.jobStatusIndex(status)))),
          options.queue?.queue.getJobCounts('wait', 'prioritized', 'active', 'delayed'),
          readTrainingTotals(redis, store.keys),
        ]);
        JOB_STATUSES.forEach((status, i) => {
          jobsByStatus.set({ status }, counts[i]);
        });
        if (queueCounts !== undefined) {
          queueDepth.set({ state: 'waiting' }, (queueCounts.wait ?? 0) + (queueCounts.prioritized ?? 0));
          queueDepth.set({ state: 'active' }, queueCounts.active ?? 0);
          queueDepth.set({ state: 'delayed' }, queueCounts.delayed ?? 0);
        }
        totals = read;
        epochs.reset();
        epochs.inc(read.epochs);
        samples.reset();
        samples.inc(read.samples);
        threadsBusy.reset();
        threads.reset();
        let rate = 0;
        for (const [worker, snapshot] of Object.entries(read.workers)) {
          threadsBusy.set({ worker }, snapshot.busy);
          threads.set({ worker }, snapshot.capacity);
          rate += snapshot.samples_per_sec;
        }
        samplesPerSec.set(rate);
        return reply.type(registry.contentType).send(await registry.metrics());
      },
    );
  },
  { name: 'metrics', dependencies: ['services'] },
);
