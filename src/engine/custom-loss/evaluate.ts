/**
 * Runs a compiled expression over the engine's differentiable ops, so `backward()` on the result
 * reaches the model output (and the parameters, through l1/l2). A failure inside an op (shapes
 * that do not broadcast, a target out of range) is re-raised with the column of the call or
 * operator that failed. The result must be a single value: a 0-d tensor.
 */
import * as ops from '../ops/index.js';
import { scalar, shapeToString, type Tensor } from '../tensor.js';
import type { BinaryOp } from './ast.js';
import type { Compiled, CompiledExpression } from './compile.js';
import { CustomLossError, errorAt, expressionError } from './errors.js';
import { Args, type ArgValue } from './params.js';

export interface Environment {
  input: Tensor;
  target: Tensor;
  /** The model's parameters; called at most once per evaluation, and only if the expression uses them. */
  parameters: () => readonly Tensor[];
}

const BINARY: Readonly<Record<BinaryOp, (a: ops.TensorLike, b: ops.TensorLike) => Tensor>> = Object.freeze({
  '+': ops.add,
  '-': ops.sub,
  '*': ops.mul,
  '/': ops.div,
  '^': ops.pow,
});

/** Evaluates the expression to its 0-d loss tensor. */
export function evaluateExpression(expression: CompiledExpression, env: Environment): Tensor {
  const result = new Evaluator(expression.source, env).run(expression.root);
  if (typeof result === 'number') return scalar(result);
  if (result.ndim !== 0) {
    throw expressionError(
      `the expression must reduce to a single value; got shape ${shapeToString(result.shape)} — wrap it in mean() or sum()`,
    );
  }
  return result;
}

class Evaluator {
  private params: readonly Tensor[] | null = null;

  constructor(
    private readonly source: string,
    private readonly env: Environment,
  ) {}

  run(node: Compiled): Tensor | number {
    switch (node.kind) {
      case 'const':
        return node.value;
      case 'var':
        return this.env[node.name];
      case 'neg': {
        const operand = this.run(node.operand);
        return typeof operand === 'number' ? -operand : this.at(node.pos, () => ops.neg(operand));
      }
      case 'binary': {
        const left = this.run(node.left);
        const right = this.run(node.right);
        return this.at(node.pos, () => BINARY[node.op](left, right));
      }
      case 'call': {
        const values = new Map<string, ArgValue>();
        for (const arg of node.args) {
          if (arg.kind === 'const') values.set(arg.name, arg.value);
          else if (arg.kind === 'params') values.set(arg.name, this.parameters());
          else values.set(arg.name, asTensor(this.run(arg.node)));
        }
        return this.at(node.pos, () => node.fn.apply(new Args(values)));
      }
    }
  }

  private parameters(): readonly Tensor[] {
    this.params ??= this.env.parameters();
    return this.params;
  }

  /** Runs one op, pointing any failure at `pos`. */
  private at(pos: number, op: () => Tensor): Tensor {
    try {
      return op();
    } catch (error) {
      if (error instanceof CustomLossError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw errorAt(this.source, pos, message);
    }
  }
}

function asTensor(value: Tensor | number): Tensor {
  return typeof value === 'number' ? scalar(value) : value;
}
