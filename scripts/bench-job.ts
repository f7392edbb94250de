/** Thread entry of `scripts/bench.ts`: runs one workload and posts its figures back. */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkloadId } from './bench-figures.js';
import { runWorkload } from './bench-workloads.js';

const { workload } = workerData as { workload: WorkloadId };
parentPort?.postMessage(runWorkload(workload));
