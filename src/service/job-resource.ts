/**
 * The job resource the API returns, and the record stored in Redis (a hash of strings). The
 * record keeps the parsed spec (defaults applied) without the data arrays.
 */
import { z } from 'zod';
import { syntheticSpecSchema } from '../datasets/synthetic.js';
import { runSpecSchema } from '../training/spec.js';
import { epochMetricsSchema, jobErrorSchema } from './job-events.js';
import { jobMetadataSchema } from './job-spec.js';
import { jobStatusSchema } from './job-status.js';

export const jobSpecSummarySchema = runSpecSchema
  .extend({
    data: z.object({
      samples: z.number().int().describe('Samples (before any validation split).'),
      features: z.number().int().describe('Values per sample (the product of sample_shape).'),
      sample_shape: z
        .array(z.number().int())
        .optional()
        .describe('One sample’s shape: [features] for rows, [1, 28, 28] for images.'),
      source: z
        .enum(['inline', 'dataset', 'builtin', 'synthetic'])
        .optional()
        .describe('Where the data comes from (absent: inline).'),
      dataset_id: z.string().optional(),
      builtin: z.string().optional(),
      split: z.enum(['train', 'test']).optional().describe('The built-in dataset’s split (Fashion-MNIST).'),
      synthetic: syntheticSpecSchema.optional(),
    }),
    validation: z
      .object({
        dataset_id: z.string().optional(),
        builtin: z.string().optional(),
        split: z.enum(['train', 'test']).optional(),
        samples: z.number().int(),
      })
      .optional()
      .describe('The explicit validation set, if any: an uploaded dataset or a built-in one.'),
    init: z
      .union([
        z.object({ from_job: z.string() }),
        z.object({ state_dict: z.object({ keys: z.array(z.string()) }) }),
        z.object({ safetensors: z.object({ keys: z.array(z.string()) }) }),
      ])
      .optional()
      .describe('Where initial weights came from (weights themselves are not echoed).'),
  })
  .describe('The job spec as parsed (defaults filled in), without the data arrays.');
export type JobSpecSummary = z.output<typeof jobSpecSummarySchema>;

const timestamp = z.iso.datetime().describe('RFC 3339 timestamp (UTC).');

export const splitEvaluationSchema = z
  .object({
    samples: z.number().int(),
    loss: z.number(),
    accuracy: z.number().optional(),
    mae: z.number().optional(),
    rmse: z.number().optional(),
    r2: z.number().optional(),
    confusion_matrix: z
      .array(z.array(z.number().int()))
      .optional()
      .describe('Counts [true class][predicted class] (classification).'),
  })
  .describe('Metrics of the final weights on one split, in eval mode.');

export const evaluationSchema = z
  .object({ train: splitEvaluationSchema, validation: splitEvaluationSchema.optional() })
  .describe('Final evaluation of the trained (or restored best) weights.');

export const jobSchema = z
  .object({
    id: z.string().describe('Job id; ids sort by creation time.'),
    status: jobStatusSchema,
    name: z.string().nullable(),
    metadata: jobMetadataSchema,
    spec: jobSpecSummarySchema,
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    progress: z.object({ epoch: z.number().int(), epochs: z.number().int() }),
    metrics: epochMetricsSchema.nullable().describe('Metrics of the latest finished epoch.'),
    error: jobErrorSchema.optional(),
    stop_reason: z
      .enum(['epochs', 'early_stopping'])
      .optional()
      .describe('Why a succeeded job stopped: it ran all epochs, or early stopping ended it.'),
    best_epoch: z
      .number()
      .int()
      .nullable()
      .optional()
      .describe('The best epoch by the early-stopping monitor (null without early stopping).'),
    evaluation: evaluationSchema.optional(),
  })
  .describe('A training job.');
export type Job = z.output<typeof jobSchema>;

/** Hash fields of a job record; every value a string (JSON where structured). */
export interface JobRecordFields {
  id: string;
  status: string;
  name?: string;
  metadata: string;
  spec: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  progress: string;
  metrics?: string;
  error?: string;
  cancel_requested?: string;
  stop_reason?: string;
  best_epoch?: string;
  evaluation?: string;
}

export function jobToFields(job: Job): JobRecordFields {
  return {
    id: job.id,
    status: job.status,
    ...(job.name === null ? {} : { name: job.name }),
    metadata: JSON.stringify(job.metadata),
    spec: JSON.stringify(job.spec),
    created_at: job.created_at,
    progress: JSON.stringify(job.progress),
  };
}

/** Rebuilds the resource from a hash (validated: this is a boundary). */
export function jobFromFields(fields: Record<string, string>): Job {
  return jobSchema.parse({
    id: fields.id,
    status: fields.status,
    name: fields.name ?? null,
    metadata: JSON.parse(fields.metadata ?? '{}'),
    spec: JSON.parse(fields.spec),
    created_at: fields.created_at,
    started_at: fields.started_at ?? null,
    finished_at: fields.finished_at ?? null,
    progress: JSON.parse(fields.progress),
    metrics: fields.metrics === undefined ? null : JSON.parse(fields.metrics),
    ...(fields.error === undefined ? {} : { error: JSON.parse(fields.error) }),
    ...(fields.stop_reason === undefined ? {} : { stop_reason: fields.stop_reason }),
    ...(fields.best_epoch === undefined ? {} : { best_epoch: JSON.parse(fields.best_epoch) }),
    ...(fields.evaluation === undefined ? {} : { evaluation: JSON.parse(fields.evaluation) }),
  });
}
