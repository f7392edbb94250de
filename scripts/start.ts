/**
 * Starts the service: `tsx scripts/start.ts all` (npm start) runs the API, one worker process and,
 * without REDIS_URL, an embedded redis-server; `tsx scripts/start.ts api` runs the API alone.
 * Workers alone start with `tsx workers/worker.ts` (npm run start:worker).
 */
import { type Role, runProcess } from '../src/service/process-main.js';

// `worker` stays accepted here for scripts that start every role through this file.
await runProcess((process.argv[2] ?? 'all') as Role);
