/**
 * Entry of a training thread: receives one `start` message, trains, posts `epoch` messages and
 * one `result` (weights transferred, not copied) or `error`. Each `epoch` message carries the
 * binary checkpoint after that epoch; a `start` with `resume` restores a Trainer from one and goes
 * on at the next epoch. An `abort` message aborts the trainer's signal, which it checks between
 * steps; `drain` aborts it right after the current epoch's checkpoint.
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { decodeSafetensors } from '../src/artifacts/safetensors.js';
import { SpecError } from '../src/engine/errors.js';
import { type NestedArray, type Tensor, tensor } from '../src/engine/tensor.js';
import { IntraOpThreads } from '../src/queue/intra-op-threads.js';
import { threadTrainingData } from '../src/queue/thread-data.js';
import type { FromThread, SerializedError, ThreadTensor, ToThread } from '../src/queue/thread-protocol.js';
import { parseJobInput } from '../src/service/job-spec.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/training/checkpoint-codec.js';
import { DivergedError, TimeoutError } from '../src/training/errors.js';
import { Trainer } from '../src/training/trainer.js';

const port = parentPort;
if (port === null) throw new Error('training-thread must run in a worker thread');

const controller = new AbortController();
/** An epoch streams `progress` events once it has run this long. */
const PROGRESS_AFTER_MS = 250;
let draining = false;
const post = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function serialize(err: unknown): SerializedError {
  if (err instanceof SpecError)
    return { name: err.name, code: err.code, message: err.message, issues: err.issues };
  if (err instanceof DivergedError || err instanceof TimeoutError)
    return { name: err.name, code: err.code, message: err.message, epoch: err.epoch };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, code: 'internal_error', message: e.message };
}

/**
 * Lowers this thread's scheduling priority to `nice` (0 leaves it; never raises it). On Linux a nice value
 * belongs to a thread, and threads started later (the intra-op pool) inherit it; elsewhere it may
 * apply to the whole process, which is only the worker. Best effort: where it is refused,
 * training runs at the priority it has.
 */
function lowerPriority(nice: number): void {
  try {
    if (nice > 0 && nice > getPriority()) setPriority(nice);
  } catch {
    // e.g. a sandbox without setpriority
  }
}

async function run(message: Extract<ToThread, { type: 'start' }>): Promise<void> {
  lowerPriority(message.nice ?? 0);
  const input = parseJobInput(JSON.parse(message.input));
  const { spec, initStateDict } = input;
  let init: Record<string, Tensor | NestedArray> | undefined;
  if (initStateDict !== null) init = initStateDict as Record<string, NestedArray>;
  else if (message.init !== null) {
    init = {};
    for (const [name, t] of Object.entries(decodeSafetensors(message.init).tensors))
      init[name] = tensor(t.data, { shape: t.shape });
  }
  const trainer = new Trainer(spec, threadTrainingData(input, message.tables ?? null), init);
  if (message.resume !== null) {
    trainer.restore({ ...decodeCheckpoint(message.resume.checkpoint), history: message.resume.history });
  }
  let epochStarted = performance.now();
  const threads = new IntraOpThreads(message.cores ?? null);
  const result = await trainer
    .run({
      signal: controller.signal,
      // The job's share of the worker's cores may change as other jobs start and end.
      onStep: () => threads.update(),
      // Only epochs that have run for a while report progress (the trainer throttles across epochs).
      onProgress: (progress) => {
        if (performance.now() - epochStarted >= PROGRESS_AFTER_MS) post({ type: 'progress', progress });
      },
      onEpoch: (metrics) => {
        // The trainer's state is complete for this epoch when onEpoch runs (same as onCheckpoint's).
        const checkpoint = encodeCheckpoint(trainer.checkpoint({ history: false }));
        post({ type: 'epoch', metrics, checkpoint }, [checkpoint.buffer as ArrayBuffer]);
        if (draining) controller.abort();
        epochStarted = performance.now();
      },
    })
    .finally(() => threads.close());
  const tensors: ThreadTensor[] = Object.entries(result.stateDict).map(([name, t]) => ({
    name,
    shape: [...t.shape],
    data: Float32Array.from(t.data),
  }));
  post(
    {
      type: 'result',
      status: result.status,
      tensors,
      summary: {
        stopReason: result.stopReason,
        bestEpoch: result.bestEpoch,
        evaluation: result.evaluation,
        normalization: result.normalization,
      },
      intraOpThreads: threads.maxUsed,
    },
    tensors.map((t) => t.data.buffer as ArrayBuffer),
  );
}

port.on('message', (message: ToThread) => {
  switch (message.type) {
    case 'start':
      run(message).catch((err) => post({ type: 'error', error: serialize(err) }));
      break;
    case 'abort':
      controller.abort();
      break;
    case 'drain':
      draining = true;
      break;
  }
});
