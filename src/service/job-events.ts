/**
 * The events of a job, as they travel worker → Redis Stream → API → SSE. Each is stored as a
 * stream entry with fields `type` and `data` (JSON); the stream entry id is the SSE event id.
 */
import { z } from 'zod';
import type { EpochMetrics } from '../training/results.js';
import { jobStatusSchema } from './job-status.js';

export const epochMetricsSchema = z
  .object({
    epoch: z.number().int().describe('1-based epoch number.'),
    epochs: z.number().int(),
    loss: z.number().describe('Sample-weighted mean training loss of the epoch.'),
    lr: z.number().describe('Learning rate of the first parameter group during the epoch.'),
    accuracy: z.number().optional().describe('Training accuracy (classification losses only).'),
    mae: z.number().optional().describe('Training mean absolute error (regression losses only).'),
    rmse: z.number().optional().describe('Training root mean squared error (regression losses only).'),
    r2: z.number().optional().describe('Training R² (regression losses only).'),
    val_loss: z.number().optional().describe('Validation loss (eval mode), when there is a validation set.'),
    val_accuracy: z.number().optional(),
    val_mae: z.number().optional(),
    val_rmse: z.number().optional(),
    val_r2: z.number().optional(),
    duration_ms: z.number(),
    samples_per_sec: z.number(),
  })
  .describe('Metrics of one epoch.') satisfies z.ZodType<EpochMetrics>;

export const jobErrorSchema = z
  .object({
    code: z
      .string()
      .describe(
        'Stable error code: `diverged` (NaN/Inf loss), `timeout` (training.max_runtime_s), `invalid_spec`, `stalled` (lost its worker too often), `internal_error`.',
      ),
    message: z.string(),
    epoch: z.number().int().optional().describe('The epoch a `diverged` or `timeout` failure happened in.'),
  })
  .describe('Why a job failed.');
export type JobError = z.output<typeof jobErrorSchema>;

export const statusEventSchema = z.object({
  type: z.literal('status'),
  data: z.object({ status: jobStatusSchema }),
});
export const epochEventSchema = z.object({ type: z.literal('epoch'), data: epochMetricsSchema });
export const progressEventSchema = z
  .object({
    type: z.literal('progress'),
    data: z.object({
      epoch: z.number().int(),
      step: z.number().int().describe('Optimizer steps done in this epoch.'),
      steps: z.number().int().describe('Steps per epoch.'),
      loss: z.number().describe('Loss of the latest step.'),
    }),
  })
  .describe('Progress within a long epoch, a few times per second at most.');
export const doneEventSchema = z.object({
  type: z.literal('done'),
  data: z.object({ status: jobStatusSchema, error: jobErrorSchema.optional() }),
});

export const jobEventSchema = z
  .discriminatedUnion('type', [statusEventSchema, epochEventSchema, progressEventSchema, doneEventSchema])
  .describe('One server-sent event: `event:` is `type`, `data:` is the JSON of `data`.');
export type JobEvent = z.output<typeof jobEventSchema>;

/** A stored event with its stream id. */
export type StoredJobEvent = JobEvent & { id: string };

/** Stream ids look like `1712345678901-0`; `0` means "from the beginning". */
export const EVENT_ID_PATTERN = /^(0|\d{1,20}-\d{1,20})$/;

const MAX_STREAM_ID_PART = 2n ** 64n - 1n;

/** Whether `id` is a stream id Redis accepts: the pattern, each part an unsigned 64-bit integer. */
export function isEventId(id: string): boolean {
  if (!EVENT_ID_PATTERN.test(id)) return false;
  return id.split('-').every((part) => BigInt(part) <= MAX_STREAM_ID_PART);
}

/** Parses a stream entry's field list (`['type', 'epoch', 'data', '{...}']`) into an event. */
export function parseStreamEntry(id: string, fields: string[]): StoredJobEvent {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  const event = jobEventSchema.parse({ type: record.type, data: JSON.parse(record.data ?? 'null') });
  return { ...event, id };
}
