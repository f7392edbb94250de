/**
 * Entry of a training thread: receives one `start` message, trains, posts `epoch` messages and
 * one `result` (weights transferred, not copied) or `error`. An `abort` message aborts the
 * trainer's signal, which it checks between steps.
 */
import { parentPort } from 'node:worker_threads';
import { decodeSafetensors } from '../artifacts/safetensors.js';
import { SpecError } from '../engine/errors.js';
import { type NestedArray, type Tensor, tensor } from '../engine/tensor.js';
import { parseJobInput } from '../service/job-spec.js';
import { toTensors } from '../training/data.js';
import { DivergedError } from '../training/errors.js';
import { train } from '../training/trainer.js';
import type { FromThread, SerializedError, ThreadTensor, ToThread } from './thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('training-thread must run in a worker thread');

const controller = new AbortController();
const post = (message: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function serialize(err: unknown): SerializedError {
  if (err instanceof SpecError)
    return { name: err.name, code: err.code, message: err.message, issues: err.issues };
  if (err instanceof DivergedError) return { name: err.name, code: err.code, message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, code: 'internal_error', message: e.message };
}

async function run(message: Extract<ToThread, { type: 'start' }>): Promise<void> {
  const { spec, data, initStateDict } = parseJobInput(JSON.parse(message.input));
  let init: Record<string, Tensor | NestedArray> | undefined;
  if (initStateDict !== null) init = initStateDict as Record<string, NestedArray>;
  else if (message.init !== null) {
    init = {};
    for (const [name, t] of Object.entries(decodeSafetensors(message.init).tensors))
      init[name] = tensor(t.data, { shape: t.shape });
  }
  const result = await train(spec, toTensors(spec, data), {
    initStateDict: init,
    signal: controller.signal,
    onEpoch: (metrics) => post({ type: 'epoch', metrics }),
  });
  const tensors: ThreadTensor[] = Object.entries(result.stateDict).map(([name, t]) => ({
    name,
    shape: [...t.shape],
    data: Float32Array.from(t.data),
  }));
  post(
    { type: 'result', status: result.status, tensors },
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
  }
});
