/**
 * The built-in losses in the expression language, by their torch.nn.functional names, with
 * PyTorch's snake_case options (keyword-only, as after `*`), translated here to the camelCase
 * options of the engine's loss functions. Options are checked at compile time with PyTorch's
 * wording, so `huber_loss(input, target, delta=0)` fails before training.
 */
import { binaryCrossEntropy } from '../losses/bce-loss.js';
import { binaryCrossEntropyWithLogits } from '../losses/bce-with-logits-loss.js';
import { crossEntropy } from '../losses/cross-entropy-loss.js';
import { gaussianNllLoss } from '../losses/gaussian-nll-loss.js';
import { huberLoss } from '../losses/huber-loss.js';
import { KL_DIV_REDUCTIONS, type KLDivReduction, klDiv } from '../losses/kl-div-loss.js';
import { l1Loss } from '../losses/l1-loss.js';
import type { LossType } from '../losses/loss.js';
import { mseLoss } from '../losses/mse-loss.js';
import { multilabelSoftMarginLoss } from '../losses/multilabel-soft-margin-loss.js';
import { nllLoss } from '../losses/nll-loss.js';
import { poissonNllLoss } from '../losses/poisson-nll-loss.js';
import { REDUCTIONS, type Reduction } from '../losses/reduction.js';
import { smoothL1Loss } from '../losses/smooth-l1-loss.js';
import { softMarginLoss } from '../losses/soft-margin-loss.js';
import { type Tensor, tensor } from '../tensor.js';
import {
  type Args,
  type FunctionDef,
  keywordParam,
  type Param,
  reductionParam,
  tensorParam,
} from './params.js';

const input = tensorParam('input');
const target = tensorParam('target');
const number = { kind: 'number' } as const;
const bool = { kind: 'bool' } as const;
const reduction = reductionParam(REDUCTIONS);
const weight = keywordParam('weight', { kind: 'weights' }, null);
const posWeight = keywordParam('pos_weight', { kind: 'weights' }, null);
const ignoreIndex = keywordParam('ignore_index', { kind: 'int' }, -100);
const eps = (value: number) =>
  keywordParam('eps', number, value, (v) => ((v as number) >= 0 ? undefined : `eps must be ≥ 0, got ${v}`));
const beta = keywordParam('beta', number, 1, (v) =>
  (v as number) >= 0 ? undefined : 'smooth_l1_loss does not support negative values for beta.',
);
const delta = keywordParam('delta', number, 1, (v) =>
  (v as number) > 0 ? undefined : 'huber_loss does not support non-positive values for delta.',
);
const labelSmoothing = keywordParam('label_smoothing', number, 0, (v) =>
  (v as number) >= 0 && (v as number) <= 1
    ? undefined
    : `label_smoothing must be between 0.0 and 1.0. Got: ${v}`,
);

const reductionOf = (a: Args) => a.string<Reduction>('reduction');
const weightOf = (a: Args, name = 'weight'): Tensor | null => {
  const values = a.numbers(name);
  return values === null ? null : tensor([...values]);
};

/** A loss of (input, target, *, options…). */
function loss(
  name: string,
  lossType: LossType,
  options: Param[],
  apply: (a: Args, input: Tensor, target: Tensor) => Tensor,
): FunctionDef {
  return {
    name,
    category: 'loss',
    lossType,
    params: [input, target, ...options],
    apply: (a) => apply(a, a.tensor('input'), a.tensor('target')),
  };
}

export const lossFunctions: readonly FunctionDef[] = [
  loss('mse_loss', 'MSELoss', [reduction], (a, x, y) => mseLoss(x, y, { reduction: reductionOf(a) })),
  loss('l1_loss', 'L1Loss', [reduction], (a, x, y) => l1Loss(x, y, { reduction: reductionOf(a) })),
  loss('smooth_l1_loss', 'SmoothL1Loss', [reduction, beta], (a, x, y) =>
    smoothL1Loss(x, y, { reduction: reductionOf(a), beta: a.number('beta') }),
  ),
  loss('huber_loss', 'HuberLoss', [reduction, delta], (a, x, y) =>
    huberLoss(x, y, { reduction: reductionOf(a), delta: a.number('delta') }),
  ),
  loss('cross_entropy', 'CrossEntropyLoss', [weight, ignoreIndex, reduction, labelSmoothing], (a, x, y) =>
    crossEntropy(x, y, {
      weight: weightOf(a),
      ignoreIndex: a.number('ignore_index'),
      reduction: reductionOf(a),
      labelSmoothing: a.number('label_smoothing'),
    }),
  ),
  loss('nll_loss', 'NLLLoss', [weight, ignoreIndex, reduction], (a, x, y) =>
    nllLoss(x, y, { weight: weightOf(a), ignoreIndex: a.number('ignore_index'), reduction: reductionOf(a) }),
  ),
  loss('binary_cross_entropy', 'BCELoss', [weight, reduction], (a, x, y) =>
    binaryCrossEntropy(x, y, { weight: weightOf(a), reduction: reductionOf(a) }),
  ),
  loss('binary_cross_entropy_with_logits', 'BCEWithLogitsLoss', [weight, reduction, posWeight], (a, x, y) =>
    binaryCrossEntropyWithLogits(x, y, {
      weight: weightOf(a),
      posWeight: weightOf(a, 'pos_weight'),
      reduction: reductionOf(a),
    }),
  ),
  loss(
    'kl_div',
    'KLDivLoss',
    [reductionParam(KL_DIV_REDUCTIONS), keywordParam('log_target', bool, false)],
    (a, x, y) =>
      klDiv(x, y, { reduction: a.string<KLDivReduction>('reduction'), logTarget: a.bool('log_target') }),
  ),
  loss(
    'poisson_nll_loss',
    'PoissonNLLLoss',
    [keywordParam('log_input', bool, true), keywordParam('full', bool, false), eps(1e-8), reduction],
    (a, x, y) =>
      poissonNllLoss(x, y, {
        logInput: a.bool('log_input'),
        full: a.bool('full'),
        eps: a.number('eps'),
        reduction: reductionOf(a),
      }),
  ),
  {
    // gaussian_nll_loss(input, target, var, *, full, eps, reduction): `var` is any tensor expression.
    name: 'gaussian_nll_loss',
    category: 'loss',
    lossType: 'GaussianNLLLoss',
    params: [input, target, tensorParam('var'), keywordParam('full', bool, false), eps(1e-6), reduction],
    apply: (a) =>
      gaussianNllLoss(a.tensor('input'), a.tensor('target'), a.tensor('var'), {
        full: a.bool('full'),
        eps: a.number('eps'),
        reduction: reductionOf(a),
      }),
  },
  loss('soft_margin_loss', 'SoftMarginLoss', [reduction], (a, x, y) =>
    softMarginLoss(x, y, { reduction: reductionOf(a) }),
  ),
  loss('multilabel_soft_margin_loss', 'MultiLabelSoftMarginLoss', [weight, reduction], (a, x, y) =>
    multilabelSoftMarginLoss(x, y, { weight: weightOf(a), reduction: reductionOf(a) }),
  ),
];
