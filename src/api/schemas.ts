/**
 * API-level schemas (problem details, lists, predict) and the registry of named schemas that
 * become OpenAPI components. Job shapes themselves come from src/service.
 */
import { z } from 'zod';
import { graphModelSchema } from '../engine/nn/graph-spec.js';
import { layerSpecSchema } from '../engine/nn/registry.js';
import { datasetListSchema, datasetSchema } from '../service/dataset-resource.js';
import { JOB_ID_PATTERN } from '../service/ids.js';
import {
  doneEventSchema,
  epochEventSchema,
  epochMetricsSchema,
  jobErrorSchema,
  jobEventSchema,
  progressEventSchema,
  statusEventSchema,
} from '../service/job-events.js';
import { evaluationSchema, jobSchema, jobSpecSummarySchema } from '../service/job-resource.js';
import { jobCreateSchema } from '../service/job-spec.js';
import { jobStatusSchema } from '../service/job-status.js';
import { checkNested, FLOAT32_MAX } from '../training/sample-shape.js';

/** Metadata of a named schema (the shape fastify-type-provider-zod reads). */
type SchemaMeta = { id?: string; [key: string]: unknown };

export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the problem type.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().describe('Stable machine-readable code, e.g. `validation_failed`, `job_not_found`.'),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string().describe('e.g. `optimizer.lr`, `data.y[3]`'), message: z.string() }))
      .optional()
      .describe('Every invalid field (validation problems).'),
  })
  .describe('An RFC 9457 problem response (`application/problem+json`).');
export type Problem = z.output<typeof problemSchema>;

export const jobIdParamsSchema = z.object({ id: z.string().min(1).max(64).describe('Job id.') });

export const jobListQuerySchema = z.object({
  status: jobStatusSchema.optional().describe('Only jobs in this status.'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(JOB_ID_PATTERN, 'expected the next_cursor of a previous page (a job id)')
    .optional()
    .describe('`next_cursor` of the previous page.'),
});

export const jobListSchema = z
  .object({
    data: z.array(jobSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
  })
  .describe('A page of jobs, newest first.');

export const metricsHistorySchema = z
  .object({ job_id: z.string(), epochs: z.array(epochMetricsSchema) })
  .describe('Per-epoch metrics, in order.');

export const modelJsonSchema = z
  .object({ state_dict: z.record(z.string(), z.unknown()).describe('Nested arrays by nn.Sequential key.') })
  .describe('Trained weights as JSON.');

const float32 = z.number().min(-FLOAT32_MAX).max(FLOAT32_MAX);

export const predictRequestSchema = z
  .strictObject({
    x: z
      .array(z.union([float32, z.array(z.unknown())]))
      .min(1)
      .superRefine((x, ctx) => {
        // Nested to any depth: one consistent shape of finite float32 numbers, the first bad place named.
        const { issue } = checkNested(x, ['x']);
        if (issue !== null)
          ctx.addIssue({ code: 'custom', path: issue.path.slice(1), message: issue.message });
      })
      .describe(
        'Inputs (rows, ...): each row shaped like one training sample (features, or (C, H, W) for images); finite float32.',
      ),
  })
  .describe('Inputs to run through the trained model (eval mode).');

export const predictResponseSchema = z
  .object({
    outputs: z.array(z.unknown()).describe('Model outputs, one row per input.'),
    predictions: z
      .array(z.unknown())
      .optional()
      .describe('Class indices (multiclass) or 0/1 labels (binary, multilabel).'),
  })
  .describe('Model outputs.');

export const healthSchema = z.object({ status: z.literal('ok') });

/** Named schemas, emitted as OpenAPI components and referenced by `$ref`. */
export function createSchemaRegistry() {
  const registry = z.registry<SchemaMeta>();
  const named: [z.ZodType, string][] = [
    [jobCreateSchema, 'JobCreate'],
    [jobSchema, 'Job'],
    [jobSpecSummarySchema, 'JobSpec'],
    [jobStatusSchema, 'JobStatus'],
    [jobErrorSchema, 'JobError'],
    [jobListSchema, 'JobList'],
    [epochMetricsSchema, 'EpochMetrics'],
    [jobEventSchema, 'JobEvent'],
    [statusEventSchema, 'StatusEvent'],
    [epochEventSchema, 'EpochEvent'],
    [doneEventSchema, 'DoneEvent'],
    [metricsHistorySchema, 'MetricsHistory'],
    [modelJsonSchema, 'ModelJson'],
    [predictRequestSchema, 'PredictRequest'],
    [predictResponseSchema, 'PredictResponse'],
    [problemSchema, 'Problem'],
    [datasetSchema, 'Dataset'],
    [datasetListSchema, 'DatasetList'],
    [progressEventSchema, 'ProgressEvent'],
    [evaluationSchema, 'Evaluation'],
    [layerSpecSchema, 'LayerSpec'],
    [graphModelSchema, 'ModelGraph'],
  ];
  for (const [schema, id] of named) registry.add(schema, { id });
  return registry;
}

/** A documented problem response (`application/problem+json`), for route `response` maps. */
export function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: problemSchema } } };
}
