// Types of examples.js (browser JavaScript, served as it is) for the tests that import it.
import type { JobCreateBody } from '../service/job-spec.js';

/** The submit page's job templates, by the title its menu shows. */
export const EXAMPLES: Record<string, JobCreateBody>;

/** A job as the editor shows it: indented JSON with one data row per line. */
export function formatJob(job: unknown): string;
