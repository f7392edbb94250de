/**
 * The job resource the API returns, and the record stored in Redis (a hash of strings). The
 * record keeps the parsed spec (defaults applied) without the data arrays.
 */
import { z } from 'zod';
import { runSpecSchema } from '../training/spec.js';
import { epochMetricsSchema, jobErrorSchema } from './job-events.js';
import { jobMetadataSchema } from './job-spec.js';
import { jobStatusSchema } from './job-status.js';

export const jobSpecSummarySchema = runSpecSchema
  .extend({
    data: z.object({
      samples: z.number().int().describe('Training samples.'),
      features: z.number().int().describe('Width of x.'),
    }),
    init: z
      .union([
        z.object({ from_job: z.string() }),
        z.object({ state_dict: z.object({ keys: z.array(z.string()) }) }),
      ])
      .optional()
      .describe('Where initial weights came from (weights themselves are not echoed).'),
  })
  .describe('The job spec as parsed (defaults filled in), without the data arrays.');
export type JobSpecSummary = z.output<typeof jobSpecSummarySchema>;

const timestamp = z.iso.datetime().describe('RFC 3339 timestamp (UTC).');

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
  });
}
