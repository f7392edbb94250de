/**
 * Accuracy for reporting, from a loss's metadata: multiclass losses predict the argmax over the
 * class dimension (targets equal to ignore_index are skipped; probability targets count their
 * own argmax as the label); binary and multilabel losses judge each element separately by its
 * thresholds; regression losses have no accuracy (null). `countCorrect` returns the counts so a
 * training loop can add them up over mini-batches.
 */
import type { Tensor } from '../tensor.js';
import { classLayout } from './class-targets.js';
import type { LossInfo, MulticlassInfo, ThresholdInfo } from './loss.js';
import { checkSameShape } from './shapes.js';

export interface CorrectCount {
  correct: number;
  total: number;
}

/** Correct predictions and predictions counted, or null when the loss's task has no accuracy. */
export function countCorrect(loss: LossInfo, output: Tensor, target: Tensor): CorrectCount | null {
  switch (loss.task) {
    case 'multiclass':
      return countArgmax(loss, output, target);
    case 'binary':
    case 'multilabel':
      return countThreshold(loss, output, target);
    case 'regression':
      return null;
  }
}

/** The share of correct predictions; null for regression losses or when nothing was counted. */
export function accuracy(loss: LossInfo, output: Tensor, target: Tensor): number | null {
  const count = countCorrect(loss, output, target);
  return count === null || count.total === 0 ? null : count.correct / count.total;
}

/** argmax over classes at flat offset `base` with stride `inner`; the first maximum wins, as torch.argmax. */
function argmax(data: Float32Array, base: number, classes: number, inner: number): number {
  let best = 0;
  for (let c = 1; c < classes; c++) {
    if (data[base + c * inner] > data[base + best * inner]) best = c;
  }
  return best;
}

function countArgmax(loss: MulticlassInfo, output: Tensor, target: Tensor): CorrectCount {
  const layout = classLayout(loss.type, output, target, loss.targetKind === 'class_index_or_probabilities');
  const { outer, classes, inner } = layout;
  let correct = 0;
  let total = 0;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * classes * inner + j;
      const label = layout.probabilities
        ? argmax(target.data, base, classes, inner)
        : target.data[o * inner + j];
      if (label === loss.ignoreIndex) continue;
      total++;
      if (argmax(output.data, base, classes, inner) === label) correct++;
    }
  }
  return { correct, total };
}

function countThreshold(loss: ThresholdInfo, output: Tensor, target: Tensor): CorrectCount {
  checkSameShape(loss.type, output, target);
  let correct = 0;
  for (let i = 0; i < output.size; i++) {
    const predicted = output.data[i] > loss.outputThreshold;
    const actual = target.data[i] > loss.targetThreshold;
    if (predicted === actual) correct++;
  }
  return { correct, total: output.size };
}
