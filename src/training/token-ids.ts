/**
 * A model that starts with an Embedding reads token ids: each value of x must be an integer in
 * [0, num_embeddings). JSON carries them as numbers; this finds the first that is not one, naming
 * its place (`data.x[4][7]`), before a job is queued or a prediction runs.
 */
import type { SpecIssue } from '../engine/errors.js';
import type { LayerSpec } from '../engine/nn/registry.js';
import { numel } from '../engine/tensor.js';
import { unravel } from './sample-shape.js';

/**
 * The first bad token id of x (`rows` samples of `sampleShape`, value `k` of sample `i` read
 * through `at(i, k)`), as an issue under `root`.
 */
export function tokenIdIssues(
  layers: readonly LayerSpec[],
  rows: number,
  sampleShape: readonly number[],
  at: (row: number, k: number) => number,
  root: readonly (string | number)[],
): SpecIssue[] {
  const first = layers[0];
  if (first === undefined || first.type !== 'Embedding') return [];
  const n = first.num_embeddings;
  const size = numel(sampleShape);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < size; k++) {
      const v = at(i, k);
      if (Number.isInteger(v) && v >= 0 && v < n) continue;
      return [
        {
          path: [...root, i, ...unravel(k, sampleShape)],
          message: `layer 0 is Embedding(${n}, ${first.embedding_dim}): x holds token ids, integers in [0, ${n}), got ${v}`,
        },
      ];
    }
  }
  return [];
}
