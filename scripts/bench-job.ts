/**
 * Thread entry of `scripts/bench.ts`: runs one workload, on `threads` threads (intra-op) or this
 * one alone, and posts its figures back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkloadId } from './bench-figures.js';
import { runWorkload, withThreads } from './bench-workloads.js';

const { workload, threads } = workerData as { workload: WorkloadId; threads: number };
parentPort?.postMessage(
  threads > 1 ? await withThreads(threads, () => runWorkload(workload)) : runWorkload(workload),
);
