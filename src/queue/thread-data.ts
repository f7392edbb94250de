/**
 * The training data of a job inside its training thread (pure: no I/O). Inline arrays and
 * synthetic generators are resolved here; uploaded and built-in datasets arrive as binary tables
 * loaded by the worker's main thread. Then the spec's validation split and normalisation apply.
 */
import { generateSynthetic } from '../datasets/synthetic.js';
import type { parseJobInput } from '../service/job-spec.js';
import {
  type PreparedData,
  prepareData,
  type TrainingData,
  tableToTensors,
  toTensors,
} from '../training/data.js';
import type { ThreadTables } from './thread-protocol.js';

export function threadTrainingData(
  input: ReturnType<typeof parseJobInput>,
  tables: ThreadTables | null,
): PreparedData {
  const { spec, data, source } = input;
  let train: TrainingData;
  if (data !== null) train = toTensors(spec, data);
  else if (source !== null && 'synthetic' in source)
    train = tableToTensors(spec, generateSynthetic(source.synthetic));
  else if (tables?.train != null) train = tableToTensors(spec, tables.train);
  else throw new Error('the job reads a dataset, but its data was not loaded');
  const validation = tables?.validation == null ? undefined : tableToTensors(spec, tables.validation);
  return prepareData(spec, train, validation);
}

/** The buffers of `tables`, to transfer (not copy) to the thread; shared ones are shared as they are. */
export function tableBuffers(tables: ThreadTables | null): ArrayBuffer[] {
  if (tables === null) return [];
  return [tables.train, tables.validation].flatMap((t) =>
    t == null
      ? []
      : [t.x.buffer, t.y.buffer].filter((b): b is ArrayBuffer => !(b instanceof SharedArrayBuffer)),
  );
}
