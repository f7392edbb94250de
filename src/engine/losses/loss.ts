/**
 * What the training loop and the API know about a loss besides `forward`: which PyTorch class it
 * is, what its targets look like, and how its outputs turn into predictions for accuracy.
 */
import type { Tensor } from '../tensor.js';
import { checkReduction, REDUCTIONS, type Reduction } from './reduction.js';

export type BuiltinLossType =
  | 'MSELoss'
  | 'L1Loss'
  | 'SmoothL1Loss'
  | 'HuberLoss'
  | 'CrossEntropyLoss'
  | 'NLLLoss'
  | 'BCELoss'
  | 'BCEWithLogitsLoss'
  | 'KLDivLoss'
  | 'PoissonNLLLoss'
  | 'GaussianNLLLoss'
  | 'SoftMarginLoss'
  | 'MultiLabelSoftMarginLoss';

/** Built-in losses plus the JSON-only `Custom` (an expression) and `Sum` (weighted losses). */
export type LossType = BuiltinLossType | 'Custom' | 'Sum';

/**
 * - `class_index`: integer class indices (stored as floats), the input's shape without the class dim.
 * - `class_index_or_probabilities`: CrossEntropyLoss takes either; class probabilities have the
 *   input's shape (`hasClassIndexTargets` decides by shape, as PyTorch does).
 * - `float`: real values of the input's shape.
 */
export type TargetKind = 'class_index' | 'class_index_or_probabilities' | 'float';

export type Task = 'multiclass' | 'binary' | 'multilabel' | 'regression';

interface CommonInfo {
  /** The PyTorch class name, as in the JSON spec's `type`. */
  readonly type: LossType;
  readonly targetKind: TargetKind;
  /** True only for GaussianNLLLoss, whose forward takes a third tensor, `var`. */
  readonly needsVar: boolean;
}

/** Prediction: argmax over the class dimension (dim 1, or dim 0 for an unbatched input). */
export interface MulticlassInfo extends CommonInfo {
  readonly task: 'multiclass';
  /** Targets equal to this are left out of accuracy, as they are out of the loss. */
  readonly ignoreIndex: number;
}

/** Prediction: each element separately, positive when the output exceeds `outputThreshold`. */
export interface ThresholdInfo extends CommonInfo {
  readonly task: 'binary' | 'multilabel';
  /** 0.5 for probabilities (BCELoss), 0 for logits and margins. */
  readonly outputThreshold: number;
  /** A target above this is positive: 0.5 for 0/1 labels, 0 for ±1 labels (SoftMarginLoss). */
  readonly targetThreshold: number;
}

/** No accuracy: regression and distribution-matching losses. */
export interface RegressionInfo extends CommonInfo {
  readonly task: 'regression';
}

/** Everything but `forward`, discriminated by `task`. */
export type LossInfo = MulticlassInfo | ThresholdInfo | RegressionInfo;

interface Forward {
  /** The loss of `input` against `target` (and `variance` for GaussianNLLLoss); targets get no grad. */
  forward(input: Tensor, target: Tensor, variance?: Tensor): Tensor;
}

export interface MulticlassLoss extends MulticlassInfo, Forward {}
export interface ThresholdLoss extends ThresholdInfo, Forward {}
export interface RegressionLoss extends RegressionInfo, Forward {}

/** A built loss: what `buildLoss` returns and the training loop calls. */
export type Loss = MulticlassLoss | ThresholdLoss | RegressionLoss;

/** PyTorch's `_Loss`: every loss class validates and keeps its `reduction` here. */
export abstract class ReducedLoss<R extends string = Reduction> {
  readonly reduction: R;

  protected constructor(
    reduction: R | undefined,
    allowed: readonly R[] = REDUCTIONS as unknown as readonly R[],
  ) {
    this.reduction = checkReduction(reduction ?? ('mean' as R), allowed);
  }
}
