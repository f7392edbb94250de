/**
 * The worker process entry point (`npm run start:worker`): takes training jobs off the BullMQ
 * queue of the Redis at REDIS_URL and runs each in a training thread (workers/training-thread.ts),
 * WORKER_CONCURRENCY at a time. SIGTERM hands running jobs back and exits 0.
 */
import { runProcess } from '../src/service/process-main.js';

await runProcess('worker');
