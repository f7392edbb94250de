/** A job's lifecycle: `queued` → `running` → `succeeded` | `failed` | `cancelled`. */
import { z } from 'zod';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES).describe('Where the job is in its lifecycle.');
export type JobStatus = z.output<typeof jobStatusSchema>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
