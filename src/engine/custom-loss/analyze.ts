/**
 * What an expression uses, for the code that wires a Custom loss into training: which built-in
 * losses it calls (so cross_entropy / nll_loss mean class-index targets), which functions and
 * which variables.
 */
import type { LossType, TargetKind } from '../losses/loss.js';
import { type CompiledExpression, compileExpression, type Variable } from './compile.js';

export interface ExpressionAnalysis {
  /** torch.nn.functional names of the built-in losses called, each once, in order of first use. */
  readonly losses: readonly string[];
  /** The PyTorch classes of those losses (`cross_entropy` → 'CrossEntropyLoss'). */
  readonly lossTypes: readonly LossType[];
  /** Every function called, each once, in order of first use. */
  readonly functions: readonly string[];
  readonly variables: readonly Variable[];
  /**
   * What the targets look like, by the losses called: 'class_index' with nll_loss,
   * 'class_index_or_probabilities' with cross_entropy, otherwise 'float'.
   */
  readonly targetKind: TargetKind;
}

/** Analyzes an expression; throws a CustomLossError (with its column) if it is invalid. */
export function analyzeExpression(expression: string): ExpressionAnalysis {
  return analyzeCompiled(compileExpression(expression));
}

export function analyzeCompiled(compiled: CompiledExpression): ExpressionAnalysis {
  const unique = <T>(items: T[]) => [...new Set(items)];
  const lossCalls = compiled.calls.filter((c) => c.category === 'loss');
  const losses = unique(lossCalls.map((c) => c.name));
  const targetKind: TargetKind = losses.includes('nll_loss')
    ? 'class_index'
    : losses.includes('cross_entropy')
      ? 'class_index_or_probabilities'
      : 'float';
  return {
    losses,
    lossTypes: unique(lossCalls.flatMap((c) => (c.fn.lossType === undefined ? [] : [c.fn.lossType]))),
    functions: unique(compiled.calls.map((c) => c.name)),
    variables: [...compiled.variables],
    targetKind,
  };
}
