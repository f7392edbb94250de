/**
 * Starting a training thread: its entry point and the resource limits it runs with. Kept apart
 * from the runner so that a process can start such threads without loading the engine itself.
 */
import { type ResourceLimits, Worker } from 'node:worker_threads';
import { entryUrl, isCompiled } from '../runtime/entry-url.js';

// The thread's entry point lives in workers/ (process and thread entry points of the service).
const ENTRY = entryUrl('../../workers/training-thread', import.meta.url);
/** Under tsx a thread must register tsx's loader before it can import TypeScript. */
const TS_BOOTSTRAP = new URL('../../workers/thread-bootstrap.mjs', import.meta.url);

/**
 * A training step allocates only a few KB of JavaScript objects (the engine reuses its buffers),
 * so the thread needs a small young generation: 4 MB instead of V8's default of up to 48 saves
 * about 20 MB of resident memory per thread, with no slowdown on the bench's workloads.
 */
export const TRAINING_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

/**
 * A new thread running `entry` (a module URL; the training thread by default) with the training
 * threads' resource limits. `npm run bench` starts its threads here too, to measure what the
 * service runs. Under tsx, `workerData` also carries the bootstrap's `entry`.
 */
export function startTrainingThread(entry: URL = ENTRY, workerData: Record<string, unknown> = {}): Worker {
  const resourceLimits = TRAINING_THREAD_LIMITS;
  return isCompiled(entry.href)
    ? new Worker(entry, { workerData, resourceLimits })
    : new Worker(TS_BOOTSTRAP, { workerData: { ...workerData, entry: entry.href }, resourceLimits });
}
