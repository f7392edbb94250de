/**
 * Custom losses over JSON: a small expression language (`mean((input - target)^2) + 0.01 *
 * l2(params)`) with a hand-written parser, and weighted sums of losses. The loss registry wires
 * `Custom` and `Sum` in with the schemas and builders exported here.
 */
export { analyzeExpression, type ExpressionAnalysis } from './analyze.js';
export { type Node, show } from './ast.js';
export { type CompiledExpression, compileExpression, VARIABLES, type Variable } from './compile.js';
export {
  buildCustomLoss,
  type CustomLoss,
  type CustomLossContext,
  type CustomLossSpec,
  customLossSpecSchema,
} from './custom-loss.js';
export { CustomLossError } from './errors.js';
export { evaluateExpression } from './evaluate.js';
export { FUNCTIONS } from './functions.js';
export { MAX_DEPTH, MAX_EXPRESSION_LENGTH, parseExpression } from './parser.js';
export {
  buildSumLoss,
  type ForwardLoss,
  MAX_SUM_DEPTH,
  MAX_SUM_TERMS,
  type SumLoss,
  type SumLossSpec,
  sumLossSpecSchema,
} from './sum-loss.js';
