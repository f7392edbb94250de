/**
 * What an expression uses, for the code that wires a Custom loss into training: which built-in
 * losses it calls (so cross_entropy / nll_loss mean class-index targets), which functions and
 * which variables.
 */
import type { LossType, TargetKind } from '../losses/loss.js';
import { type Compiled, type CompiledExpression, compileExpression, type Variable } from './compile.js';

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
  /**
   * Whether the value is a 0-d tensor, as a loss must be: 'no' when it certainly keeps the batch
   * dimension (an elementwise expression of input or target, a loss with reduction='none', a
   * softmax), 'unknown' when that depends on shapes (a reduction over chosen dims).
   */
  readonly scalar: Scalarity;
}

export type Scalarity = 'yes' | 'no' | 'unknown';

/** Whether `node`'s value is 0-d, from the expression alone (input and target have a batch dim). */
export function scalarity(node: Compiled): Scalarity {
  switch (node.kind) {
    case 'const':
      return 'yes';
    case 'var':
      return 'no';
    case 'neg':
      return scalarity(node.operand);
    case 'binary':
      return combine([scalarity(node.left), scalarity(node.right)]);
    case 'call': {
      const constArg = (name: string) => {
        const arg = node.args.find((a) => a.name === name);
        return arg?.kind === 'const' ? arg.value : undefined;
      };
      const tensors = node.args.flatMap((a) => (a.kind === 'tensor' ? [scalarity(a.node)] : []));
      switch (node.fn.category) {
        case 'penalty':
          return 'yes';
        case 'loss':
          return constArg('reduction') === 'none' ? combine(tensors) : 'yes';
        case 'reduction': {
          if (node.fn.name === 'softmax' || node.fn.name === 'log_softmax') return combine(tensors);
          if (constArg('keepdim') === true) return combine(tensors);
          const dim = constArg('dim');
          return dim === null || dim === undefined ? 'yes' : combine(tensors) === 'yes' ? 'yes' : 'unknown';
        }
        case 'elementwise':
        case 'comparison':
          return combine(tensors);
      }
    }
  }
}

/** Broadcasting: 0-d only when every operand is. */
function combine(parts: Scalarity[]): Scalarity {
  if (parts.includes('no')) return 'no';
  if (parts.includes('unknown')) return 'unknown';
  return 'yes';
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
    scalar: scalarity(compiled.root),
  };
}
