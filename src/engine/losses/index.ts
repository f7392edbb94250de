/**
 * Losses with PyTorch's names and semantics: each as a torch.nn.functional-style function
 * (camelCase) and a thin class; the registry of JSON specs; accuracy for reporting.
 */
export { accuracy, type CorrectCount, countCorrect } from './accuracy.js';
export { BCELoss, type BCELossOptions, binaryCrossEntropy } from './bce-loss.js';
export {
  BCEWithLogitsLoss,
  type BCEWithLogitsLossOptions,
  binaryCrossEntropyWithLogits,
} from './bce-with-logits-loss.js';
export { hasClassIndexTargets } from './class-targets.js';
export { CrossEntropyLoss, type CrossEntropyOptions, crossEntropy } from './cross-entropy-loss.js';
export { GaussianNLLLoss, type GaussianNLLLossOptions, gaussianNllLoss } from './gaussian-nll-loss.js';
export { HuberLoss, type HuberLossOptions, huberLoss } from './huber-loss.js';
export {
  KL_DIV_REDUCTIONS,
  KLDivLoss,
  type KLDivLossOptions,
  type KLDivReduction,
  klDiv,
} from './kl-div-loss.js';
export { L1Loss, l1Loss } from './l1-loss.js';
export type {
  Loss,
  LossInfo,
  LossType,
  MulticlassInfo,
  MulticlassLoss,
  RegressionInfo,
  RegressionLoss,
  TargetKind,
  Task,
  ThresholdInfo,
  ThresholdLoss,
} from './loss.js';
export { MSELoss, mseLoss } from './mse-loss.js';
export {
  MultiLabelSoftMarginLoss,
  type MultiLabelSoftMarginLossOptions,
  multilabelSoftMarginLoss,
} from './multilabel-soft-margin-loss.js';
export { NLLLoss, type NLLLossOptions, nllLoss } from './nll-loss.js';
export { PoissonNLLLoss, type PoissonNLLLossOptions, poissonNllLoss } from './poisson-nll-loss.js';
export { REDUCTIONS, type Reduction, type ReductionOptions } from './reduction.js';
export { buildLoss, type LossContext, type LossSpec, lossRegistry, lossSpecSchema } from './registry.js';
export { SmoothL1Loss, type SmoothL1LossOptions, smoothL1Loss } from './smooth-l1-loss.js';
export { SoftMarginLoss, softMarginLoss } from './soft-margin-loss.js';
