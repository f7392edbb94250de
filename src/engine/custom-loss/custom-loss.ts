/**
 * The Custom loss: `{"type": "Custom", "expression": "mean((input - target)^2) + 0.01 * l2(params)"}`.
 *
 * The expression is parsed and checked when the spec is validated (the zod issue carries the
 * column and a caret excerpt), compiled once when the loss is built, and evaluated on every
 * forward over `input` (the model output), `target` and `params` (the model's parameters, for
 * l1(params) and l2(params)). See parser.ts for the grammar and functions.ts for the functions.
 */
import { z } from 'zod';
import { SpecError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { analyzeCompiled, type ExpressionAnalysis, scalarity } from './analyze.js';
import { compileExpression } from './compile.js';
import { CustomLossError } from './errors.js';
import { evaluateExpression } from './evaluate.js';
import { MAX_EXPRESSION_LENGTH } from './parser.js';

export const customLossSpecSchema = z.strictObject({
  type: z.literal('Custom'),
  expression: z
    .string()
    .describe(
      `A loss as an expression over input (the model output), target and params, e.g. ` +
        `"mean((input - target)^2) + 0.01 * l2(params)"; at most ${MAX_EXPRESSION_LENGTH} characters.`,
    )
    .superRefine((expression, ctx) => {
      try {
        if (scalarity(compileExpression(expression).root) === 'no') {
          ctx.addIssue({
            code: 'custom',
            message:
              'the expression must reduce to a scalar (a loss is one number per batch): reduce it with mean() or sum(), or use a loss without reduction="none"',
            input: expression,
          });
        }
      } catch (error) {
        if (!(error instanceof CustomLossError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.issues[0].message, input: expression });
      }
    }),
});

export type CustomLossSpec = z.output<typeof customLossSpecSchema>;

/** What a Custom loss may draw on besides its spec (structurally the registry's LossContext). */
export interface CustomLossContext {
  /** The model's parameters, for l1(params) / l2(params). */
  parameters?: () => readonly Tensor[];
}

export interface CustomLoss {
  readonly type: 'Custom';
  readonly expression: string;
  /** Which losses, functions and variables the expression uses (e.g. for the target kind). */
  readonly analysis: ExpressionAnalysis;
  /** The expression's value for this batch: a 0-d tensor that backpropagates to input and params. */
  forward(input: Tensor, target: Tensor): Tensor;
}

/**
 * Builds a Custom loss from its spec. Throws a SpecError (path `expression`) if the expression is
 * invalid, or if it uses params and the context has no parameters to give.
 */
export function buildCustomLoss(spec: CustomLossSpec, context: CustomLossContext = {}): CustomLoss {
  const compiled = compileExpression(spec.expression);
  const parameters = context.parameters;
  if (compiled.variables.has('params') && parameters === undefined) {
    throw new SpecError([
      {
        path: ['expression'],
        message: 'the expression uses params, but no model parameters are available here',
      },
    ]);
  }
  const noParameters = (): readonly Tensor[] => [];
  return {
    type: 'Custom',
    expression: spec.expression,
    analysis: analyzeCompiled(compiled),
    forward: (input, target) =>
      evaluateExpression(compiled, { input, target, parameters: parameters ?? noParameters }),
  };
}
