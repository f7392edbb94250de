/**
 * Loss specs as JSON (`{"type": "CrossEntropyLoss", "label_smoothing": 0.1}`), keyed by PyTorch
 * class name, with PyTorch's snake_case kwargs and defaults; `buildLoss` parses a spec and is the
 * one place that translates it to the camelCase options of the loss classes.
 */
import { z } from 'zod';
import {
  buildCustomLoss,
  buildSumLoss,
  customLossSpecSchema,
  sumLossSpecSchema,
} from '../custom-loss/index.js';
import { SpecError } from '../errors.js';
import { parseTyped, unionOf } from '../spec-parse.js';
import { type Tensor, tensor } from '../tensor.js';
import { BCELoss } from './bce-loss.js';
import { BCEWithLogitsLoss } from './bce-with-logits-loss.js';
import { CrossEntropyLoss } from './cross-entropy-loss.js';
import { GaussianNLLLoss } from './gaussian-nll-loss.js';
import { HuberLoss } from './huber-loss.js';
import { KL_DIV_REDUCTIONS, KLDivLoss } from './kl-div-loss.js';
import { L1Loss } from './l1-loss.js';
import type { BuiltinLossType, Loss, LossInfo, TargetKind } from './loss.js';
import { MSELoss } from './mse-loss.js';
import { MultiLabelSoftMarginLoss } from './multilabel-soft-margin-loss.js';
import { NLLLoss } from './nll-loss.js';
import { PoissonNLLLoss } from './poisson-nll-loss.js';
import { invalidReductionMessage, REDUCTIONS } from './reduction.js';
import { SmoothL1Loss } from './smooth-l1-loss.js';
import { SoftMarginLoss } from './soft-margin-loss.js';

const finite = z.number();
const reduction = z
  .enum(REDUCTIONS, { error: (issue) => invalidReductionMessage(issue.input) })
  .default('mean')
  .describe("How per-element losses are combined: 'none', 'mean' or 'sum'.");
/** A tensor kwarg (`weight`, `pos_weight`) as a 1-D array; null means None. */
const tensorArg = (what: string) => z.array(finite).min(1).nullish().describe(what);
const classWeight = tensorArg('A manual rescaling weight given to each class, length C.');
const ignoreIndex = z
  .number()
  .int()
  .default(-100)
  .describe('A target value that is ignored and does not contribute to the loss or its gradient.');

const builtinLosses = {
  MSELoss: z.strictObject({ type: z.literal('MSELoss'), reduction }),
  L1Loss: z.strictObject({ type: z.literal('L1Loss'), reduction }),
  SmoothL1Loss: z.strictObject({
    type: z.literal('SmoothL1Loss'),
    reduction,
    beta: finite.min(0, 'smooth_l1_loss does not support negative values for beta.').default(1.0),
  }),
  HuberLoss: z.strictObject({
    type: z.literal('HuberLoss'),
    reduction,
    delta: finite.positive('huber_loss does not support non-positive values for delta.').default(1.0),
  }),
  CrossEntropyLoss: z.strictObject({
    type: z.literal('CrossEntropyLoss'),
    weight: classWeight,
    ignore_index: ignoreIndex,
    reduction,
    label_smoothing: finite
      .min(0, 'label_smoothing must be between 0.0 and 1.0')
      .max(1, 'label_smoothing must be between 0.0 and 1.0')
      .default(0.0),
  }),
  NLLLoss: z.strictObject({
    type: z.literal('NLLLoss'),
    weight: classWeight,
    ignore_index: ignoreIndex,
    reduction,
  }),
  BCELoss: z.strictObject({
    type: z.literal('BCELoss'),
    weight: tensorArg('A manual rescaling weight, broadcast over the input (e.g. one per class).'),
    reduction,
  }),
  BCEWithLogitsLoss: z.strictObject({
    type: z.literal('BCEWithLogitsLoss'),
    weight: tensorArg('A manual rescaling weight, broadcast over the input (e.g. one per class).'),
    reduction,
    pos_weight: tensorArg('A weight of positive examples, one per class (the last dimension).'),
  }),
  KLDivLoss: z.strictObject({
    type: z.literal('KLDivLoss'),
    reduction: z
      .enum(KL_DIV_REDUCTIONS, { error: (issue) => invalidReductionMessage(issue.input) })
      .default('mean')
      .describe("'none', 'mean', 'sum' or 'batchmean' (the sum divided by the batch size)."),
    log_target: z.boolean().default(false),
  }),
  PoissonNLLLoss: z.strictObject({
    type: z.literal('PoissonNLLLoss'),
    log_input: z.boolean().default(true),
    full: z.boolean().default(false),
    eps: finite.min(0).default(1e-8),
    reduction,
  }),
  GaussianNLLLoss: z.strictObject({
    type: z.literal('GaussianNLLLoss'),
    full: z.boolean().default(false),
    eps: finite.positive().default(1e-6),
    reduction,
  }),
  SoftMarginLoss: z.strictObject({ type: z.literal('SoftMarginLoss'), reduction }),
  MultiLabelSoftMarginLoss: z.strictObject({
    type: z.literal('MultiLabelSoftMarginLoss'),
    weight: classWeight,
    reduction,
  }),
} satisfies Record<BuiltinLossType, z.ZodType>;

/**
 * Any loss spec, for nesting in a Sum. It is checked by parsing it against the registry rather
 * than by a recursive schema, so the OpenAPI document stays free of self-references (a term's
 * `loss` is documented as an object with a "type"); `buildLoss` parses each term again when it
 * builds it, applying its defaults.
 */
const anyLossSpec = z
  .looseObject({ type: z.string().describe('A loss class name, e.g. "CrossEntropyLoss".') })
  .superRefine((value, ctx) => {
    try {
      parseTyped(lossRegistry, value, 'loss');
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      for (const issue of err.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  })
  .describe('Any loss spec.');

export const lossRegistry = Object.freeze({
  ...builtinLosses,
  Custom: customLossSpecSchema,
  Sum: sumLossSpecSchema(anyLossSpec),
});

export const lossSpecSchema = unionOf(lossRegistry);
export type LossSpec = z.output<typeof lossSpecSchema>;

/**
 * What a built loss may draw on besides its spec. The built-in PyTorch losses use nothing; it is
 * here for losses that look at the model (e.g. custom expressions with a weight penalty).
 */
export interface LossContext {
  parameters?: () => Tensor[];
}

function optionalTensor(values: number[] | null | undefined): Tensor | null {
  return values === null || values === undefined ? null : tensor(values);
}

/** Parses a loss spec (throwing a SpecError that names the bad field) and builds the loss. */
export function buildLoss(spec: unknown, context: LossContext = {}): Loss {
  const s: LossSpec = parseTyped(lossRegistry, spec, 'loss');
  switch (s.type) {
    case 'MSELoss':
      return new MSELoss({ reduction: s.reduction });
    case 'L1Loss':
      return new L1Loss({ reduction: s.reduction });
    case 'SmoothL1Loss':
      return new SmoothL1Loss({ reduction: s.reduction, beta: s.beta });
    case 'HuberLoss':
      return new HuberLoss({ reduction: s.reduction, delta: s.delta });
    case 'CrossEntropyLoss':
      return new CrossEntropyLoss({
        weight: optionalTensor(s.weight),
        ignoreIndex: s.ignore_index,
        reduction: s.reduction,
        labelSmoothing: s.label_smoothing,
      });
    case 'NLLLoss':
      return new NLLLoss({
        weight: optionalTensor(s.weight),
        ignoreIndex: s.ignore_index,
        reduction: s.reduction,
      });
    case 'BCELoss':
      return new BCELoss({ weight: optionalTensor(s.weight), reduction: s.reduction });
    case 'BCEWithLogitsLoss':
      return new BCEWithLogitsLoss({
        weight: optionalTensor(s.weight),
        posWeight: optionalTensor(s.pos_weight),
        reduction: s.reduction,
      });
    case 'KLDivLoss':
      return new KLDivLoss({ reduction: s.reduction, logTarget: s.log_target });
    case 'PoissonNLLLoss':
      return new PoissonNLLLoss({ logInput: s.log_input, full: s.full, eps: s.eps, reduction: s.reduction });
    case 'GaussianNLLLoss':
      return new GaussianNLLLoss({ full: s.full, eps: s.eps, reduction: s.reduction });
    case 'SoftMarginLoss':
      return new SoftMarginLoss({ reduction: s.reduction });
    case 'MultiLabelSoftMarginLoss':
      return new MultiLabelSoftMarginLoss({ weight: optionalTensor(s.weight), reduction: s.reduction });
    case 'Custom': {
      const custom = buildCustomLoss(s, context);
      return { ...infoFor('Custom', custom.analysis.targetKind), forward: custom.forward };
    }
    case 'Sum': {
      const sum = buildSumLoss(s, (inner) => buildLoss(inner, context));
      return { ...sumInfo(sum.terms.map((t) => t.loss)), forward: sum.forward };
    }
    default: {
      const unreachable: never = s;
      throw new Error(`unhandled loss ${(unreachable as { type: string }).type}`);
    }
  }
}

/** Metadata of a loss known only by its target kind: class targets classify, others regress. */
function infoFor(type: 'Custom' | 'Sum', targetKind: TargetKind): LossInfo {
  return targetKind === 'float'
    ? { type, targetKind, needsVar: false, task: 'regression' }
    : { type, targetKind, needsVar: false, task: 'multiclass', ignoreIndex: -100 };
}

/** A Sum reports accuracy like its terms when they agree on the task, else none. */
function sumInfo(terms: readonly Loss[]): LossInfo {
  const first = terms[0];
  const agree = terms.every((t) => t.task === first.task && t.targetKind === first.targetKind);
  const needsVar = terms.some((t) => t.needsVar);
  if (!agree) return { type: 'Sum', targetKind: 'float', needsVar, task: 'regression' };
  return { ...first, type: 'Sum', needsVar };
}
