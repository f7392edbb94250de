/** The jobs resource: submit, read, list, cancel, delete, and the per-epoch metrics history. */
import type { FastifySchemaCompiler } from 'fastify';
import { type FastifyPluginAsyncZod, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LimitExceededError, ValidationError } from '../../service/errors.js';
import { checkJobLimits, jobResourceLimits } from '../../service/job-limits.js';
import { jobSchema } from '../../service/job-resource.js';
import { jobCreateSchema, validateJobRequest } from '../../service/job-spec.js';
import {
  jobIdParamsSchema,
  jobListQuerySchema,
  jobListSchema,
  metricsHistorySchema,
  problemResponse,
} from '../schemas.js';

const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Retrying a POST with the same key (and body) returns the same job.'),
});

/**
 * The job body is documented by `jobCreateSchema` but checked by `validateJobRequest`, which
 * uses the engine's own parsers (PyTorch's wording, every bad field with its full path, shape
 * checks against the data); other request parts use the zod validator.
 */
const passBody: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (data: unknown) => ({ value: data }) : validatorCompiler(route as never);

const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { jobs, config } = app.services;
  const limits = {
    maxSamples: config.MAX_SAMPLES,
    maxEpochs: config.MAX_EPOCHS,
    fashionMnistDir: config.FASHION_MNIST_DIR,
  };
  const resourceLimits = jobResourceLimits(config);

  app.post(
    '/v1/jobs',
    {
      validatorCompiler: passBody,
      bodyLimit: config.MAX_BODY_BYTES,
      schema: {
        tags: ['jobs'],
        summary: 'Submit a training job',
        operationId: 'createJob',
        headers: idempotencyHeaders,
        body: jobCreateSchema,
        response: {
          201: jobSchema,
          400: problemResponse('Invalid request'),
          409: problemResponse('Conflict with the job state'),
          413: problemResponse('Request body too large (MAX_BODY_BYTES)'),
          422: problemResponse('Over a resource limit, or Idempotency-Key reused with a different body'),
        },
      },
    },
    async (request, reply) => {
      const body: unknown = request.body;
      const over = checkJobLimits(body, resourceLimits);
      if (over.length > 0) throw new LimitExceededError(over);
      const outcome = validateJobRequest(body, limits);
      if (!outcome.ok) throw ValidationError.fromSpecIssues(outcome.issues);
      const key = request.headers['idempotency-key'];
      const { job, replayed } = await jobs.create(request.tenant, outcome.job, body, key);
      request.log.info({ job_id: job.id, replayed }, replayed ? 'job replayed' : 'job created');
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).header('location', `/v1/jobs/${job.id}`).send(job);
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'List jobs, newest first',
        operationId: 'listJobs',
        querystring: jobListQuerySchema,
        response: { 200: jobListSchema, 400: problemResponse('Invalid request') },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const page = await jobs.list(request.tenant, { status, limit, cursor });
      return { data: page.jobs, next_cursor: page.next };
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Get a job',
        operationId: 'getJob',
        params: jobIdParamsSchema,
        response: { 200: jobSchema, 404: problemResponse('Not found') },
      },
    },
    async (request) => jobs.get(request.tenant, request.params.id),
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Cancel a job',
        operationId: 'cancelJob',
        description:
          'A queued job never runs. A running job stops within a second and ends `cancelled`; the response may still show it `running`.',
        params: jobIdParamsSchema,
        response: {
          200: jobSchema,
          404: problemResponse('Not found'),
          409: problemResponse('Conflict with the job state'),
        },
      },
    },
    async (request) => jobs.cancel(request.tenant, request.params.id),
  );

  app.delete(
    '/v1/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Delete a finished job and all its data',
        operationId: 'deleteJob',
        params: jobIdParamsSchema,
        response: {
          204: z.undefined(),
          404: problemResponse('Not found'),
          409: problemResponse('Conflict with the job state'),
        },
      },
    },
    async (request, reply) => {
      await jobs.delete(request.tenant, request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/jobs/:id/metrics',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Per-epoch metrics history',
        operationId: 'getJobMetrics',
        params: jobIdParamsSchema,
        response: { 200: metricsHistorySchema, 404: problemResponse('Not found') },
      },
    },
    async (request) => ({
      job_id: request.params.id,
      epochs: await jobs.metrics(request.tenant, request.params.id),
    }),
  );
};

export default jobRoutes;
