/** Thread entry of `scripts/bench.ts`: runs one workload and posts its figures back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkload, type WorkloadId } from './bench-workloads.js';

const { workload } = workerData as { workload: WorkloadId };
parentPort?.postMessage(runWorkload(workload));
