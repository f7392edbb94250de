/**
 * What a completed run leaves besides its weights: the safetensors `__metadata__` that makes the
 * file describe its model (all values strings, as the format requires), and the job record fields
 * saying how training ended.
 */
import type { JobSpecSummary } from '../service/job-resource.js';
import type { TrainSummary } from './thread-protocol.js';

/**
 * `spec`: the model as JSON (`{"layers": [...]}`, PyTorch class names and kwargs);
 * `normalization`: JSON `{"mean": [...], "std": [...]}` when features were standardised (apply
 * `(x - mean) / std` before the model); `labels`: JSON list of class names when the data had them.
 */
export function modelMetadata(
  jobId: string,
  model: JobSpecSummary['model'] | undefined,
  summary: TrainSummary | null,
  labels: string[] | null,
): Record<string, string> {
  return {
    format: 'pt',
    job_id: jobId,
    ...(model === undefined ? {} : { spec: JSON.stringify(model) }),
    ...(summary?.normalization == null ? {} : { normalization: JSON.stringify(summary.normalization) }),
    ...(labels === null ? {} : { labels: JSON.stringify(labels) }),
  };
}

/** Job record fields of a succeeded run (strings; see jobFromFields). */
export function resultFields(summary: TrainSummary | null): Record<string, string> {
  if (summary === null) return {};
  return {
    stop_reason: summary.stopReason,
    best_epoch: JSON.stringify(summary.bestEpoch),
    ...(summary.evaluation === null ? {} : { evaluation: JSON.stringify(summary.evaluation) }),
  };
}
