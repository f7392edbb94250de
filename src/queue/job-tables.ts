/**
 * Loads the datasets a job reads (uploaded ones from Redis, built-in ones from the package) on
 * the worker's main thread, as binary tables for the training thread, with the label names the
 * model artifact records.
 */
import { loadBuiltin } from '../datasets/builtin.js';
import type { DatasetStore } from '../service/dataset-store.js';
import type { JobSpecSummary } from '../service/job-resource.js';
import type { ThreadTable, ThreadTables } from './thread-protocol.js';

/** A dataset the job needs is gone (deleted after the job was accepted). */
export class DatasetMissingError extends Error {
  readonly code = 'dataset_not_found';

  constructor(datasetId: string) {
    super(`dataset ${datasetId} no longer exists`);
    this.name = 'DatasetMissingError';
  }
}

export interface JobTables {
  tables: ThreadTables;
  /** Class names by index, when the training data has them. */
  labels: string[] | null;
}

export async function loadJobTables(datasets: DatasetStore, spec: JobSpecSummary): Promise<JobTables> {
  let train: ThreadTable | null = null;
  let labels: string[] | null = null;
  const { data } = spec;
  if (data.dataset_id !== undefined) {
    const table = await datasets.getTable(data.dataset_id);
    if (table === null) throw new DatasetMissingError(data.dataset_id);
    const { labels: names, ...arrays } = table;
    train = arrays;
    labels = names;
  } else if (data.builtin !== undefined) {
    const d = loadBuiltin(data.builtin as Parameters<typeof loadBuiltin>[0]);
    // Copies: the cached arrays stay here, the copies are transferred to the thread.
    train = { rows: d.rows, features: d.features, x: d.x.slice(), y: d.y.slice() };
    labels = d.labels ?? null;
  }
  let validation: ThreadTable | null = null;
  if (spec.validation !== undefined) {
    const table = await datasets.getTable(spec.validation.dataset_id);
    if (table === null) throw new DatasetMissingError(spec.validation.dataset_id);
    const { labels: _names, ...arrays } = table;
    validation = arrays;
  }
  return { tables: { train, validation }, labels };
}
