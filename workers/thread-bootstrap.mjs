// Bootstrap of a thread under tsx (development and tests): registers tsx's loader in this thread,
// then imports the TypeScript entry named in workerData. (Worker threads do not inherit the
// parent's loader.) The compiled build starts its threads on their .js entries directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
