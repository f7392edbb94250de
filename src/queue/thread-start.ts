/**
 * Starting a training thread from the entry matching how this process runs: TypeScript under tsx,
 * or the compiled build.
 */
import { Worker } from 'node:worker_threads';
import { entryUrl, isCompiled } from '../runtime/entry-url.js';

// The thread's entry point lives in workers/ (process and thread entry points of the service).
const ENTRY = entryUrl('../../workers/training-thread', import.meta.url);
/** Under tsx a thread must register tsx's loader before it can import TypeScript. */
const TS_BOOTSTRAP = new URL('../../workers/thread-bootstrap.mjs', import.meta.url);

/**
 * A new thread running `entry` (a module URL; the training thread by default). `npm run bench`
 * starts its job threads here too. Under tsx, `workerData` also carries the bootstrap's `entry`.
 */
export function startTrainingThread(entry: URL = ENTRY, workerData: Record<string, unknown> = {}): Worker {
  return isCompiled(entry.href)
    ? new Worker(entry, { workerData })
    : new Worker(TS_BOOTSTRAP, { workerData: { ...workerData, entry: entry.href } });
}
