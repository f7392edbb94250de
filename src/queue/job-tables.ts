/**
 * Loads the datasets a job reads (uploaded ones from Redis, built-in ones from the package) on
 * the worker's main thread, as binary tables for the training thread, with the label names the
 * model artifact records.
 */
import { type BuiltinName, loadBuiltin } from '../datasets/builtin.js';
import {
  FASHION_MNIST_LABELS,
  FASHION_MNIST_SAMPLE_SHAPE,
  FashionMnistMissingError,
  type FashionMnistSplit,
  fashionMnistImages,
  fashionMnistLabels,
} from '../datasets/fashion-mnist.js';
import type { DatasetStore } from '../service/dataset-store.js';
import type { JobSpecSummary } from '../service/job-resource.js';
import type { ThreadTable, ThreadTables } from './thread-protocol.js';

/** A dataset the job needs is gone (deleted after the job was accepted), or not installed here. */
export class DatasetMissingError extends Error {
  readonly code = 'dataset_not_found';

  constructor(datasetId: string, message = `dataset ${datasetId} no longer exists`) {
    super(message);
    this.name = 'DatasetMissingError';
  }
}

export interface JobTables {
  tables: ThreadTables;
  /** Class names by index, when the training data has them. */
  labels: string[] | null;
}

type SourceSummary = { dataset_id?: string; builtin?: string; split?: FashionMnistSplit };

/**
 * The job's training and validation tables. Built-in datasets come from this process's copies
 * (copied again for the thread); Fashion-MNIST's from `fashionMnistDir`.
 */
export async function loadJobTables(
  datasets: DatasetStore,
  spec: JobSpecSummary,
  fashionMnistDir: string,
): Promise<JobTables> {
  const load = async (
    source: SourceSummary,
  ): Promise<{ table: ThreadTable; labels: string[] | null } | null> => {
    if (source.dataset_id !== undefined) {
      const stored = await datasets.getTable(source.dataset_id);
      if (stored === null) throw new DatasetMissingError(source.dataset_id);
      const { labels, ...table } = stored;
      return { table, labels };
    }
    if (source.builtin === 'fashion-mnist') {
      const split = source.split ?? 'train';
      try {
        const x = fashionMnistImages(fashionMnistDir, split).slice();
        const y = fashionMnistLabels(fashionMnistDir, split).slice();
        return {
          table: { rows: y.length, features: 784, sampleShape: FASHION_MNIST_SAMPLE_SHAPE, x, y },
          labels: FASHION_MNIST_LABELS,
        };
      } catch (e) {
        if (e instanceof FashionMnistMissingError)
          throw new DatasetMissingError(`builtin 'fashion-mnist'`, e.message);
        throw e;
      }
    }
    if (source.builtin !== undefined) {
      const d = loadBuiltin(source.builtin as BuiltinName);
      return {
        table: { rows: d.rows, features: d.features, x: d.x.slice(), y: d.y.slice() },
        labels: d.labels ?? null,
      };
    }
    return null;
  };
  const train = await load(spec.data);
  const validation = spec.validation === undefined ? null : await load(spec.validation);
  return {
    tables: { train: train?.table ?? null, validation: validation?.table ?? null },
    labels: train?.labels ?? null,
  };
}
