/**
 * Inference with a trained model: rebuild the Sequential from its spec, load the weights, and
 * run it in eval mode without recording a graph. Classification losses also give predicted
 * classes (argmax for multiclass, thresholded labels for binary and multilabel).
 */
import type { Loss } from '../engine/losses/loss.js';
import { buildLoss } from '../engine/losses/registry.js';
import { buildAnyModel } from '../engine/nn/model-spec.js';
import type { StateDict } from '../engine/nn/module.js';
import { argmax } from '../engine/ops/reduce.js';
import { Generator } from '../engine/random.js';
import { type NestedArray, noGrad, type Tensor, tensor } from '../engine/tensor.js';
import { applyNormalization, type Normalization } from './normalize.js';
import type { RunSpec } from './spec.js';

export interface Prediction {
  outputs: NestedArray[];
  /** Class indices (multiclass) or 0/1 labels (binary, multilabel); absent for regression. */
  predictions?: NestedArray[];
}

export function predictionsOf(loss: Loss, output: Tensor): Tensor | null {
  switch (loss.task) {
    case 'multiclass':
      return output.ndim >= 2 ? argmax(output, 1) : null;
    case 'binary':
    case 'multilabel': {
      const labels = output.data.map((v) => (v > loss.outputThreshold ? 1 : 0));
      return tensor(labels, { shape: output.shape });
    }
    default:
      return null;
  }
}

export function predict(
  spec: Pick<RunSpec, 'model' | 'loss'>,
  stateDict: StateDict | Record<string, NestedArray>,
  x: NestedArray,
  { normalization = null }: { normalization?: Normalization | null } = {},
): Prediction {
  // The generator only feeds initial weights, which loadStateDict overwrites.
  const model = buildAnyModel(spec.model, new Generator(0));
  model.loadStateDict(stateDict);
  model.eval();
  const loss = buildLoss(spec.loss, { parameters: () => model.parameters() });
  return noGrad(() => {
    const input = tensor(x);
    const output = model.forward(normalization === null ? input : applyNormalization(input, normalization));
    const predictions = predictionsOf(loss, output);
    return {
      outputs: output.toArray() as NestedArray[],
      ...(predictions === null ? {} : { predictions: predictions.toArray() as NestedArray[] }),
    };
  });
}
