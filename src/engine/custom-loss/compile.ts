/**
 * Checks a parsed expression against the function table and the variables, and turns it into a
 * tree the evaluator can run without further checks: functions resolved, arguments bound to
 * parameters (Python's rules: positionals, then keywords, keyword-only options), constant
 * arguments type-checked and validated, and numeric constants folded (`-1e-3`, `1/3`). Every
 * problem is reported with the column of the offending token, before any training happens.
 */
import type { BinaryOp, Kwarg, Node } from './ast.js';
import { didYouMean, errorAt, expressionError } from './errors.js';
import { FUNCTIONS, lookupFunction } from './functions.js';
import {
  type ConstValue,
  constFits,
  describeType,
  type FunctionCategory,
  type FunctionDef,
  type Param,
} from './params.js';
import { parseExpression } from './parser.js';

/** The tensors an expression reads; `params` is the list of model parameters. */
export const VARIABLES = ['input', 'target', 'params'] as const;
export type Variable = (typeof VARIABLES)[number];

const CONSTANTS: Readonly<Record<string, boolean | null>> = Object.freeze({
  True: true,
  False: false,
  true: true,
  false: false,
  None: null,
  null: null,
});

export type Compiled =
  | { kind: 'const'; value: number }
  | { kind: 'var'; name: 'input' | 'target' }
  | { kind: 'neg'; operand: Compiled; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Compiled; right: Compiled; pos: number }
  | { kind: 'call'; fn: FunctionDef; args: BoundArg[]; pos: number };

export type BoundArg =
  | { name: string; kind: 'tensor'; node: Compiled }
  | { name: string; kind: 'params' }
  | { name: string; kind: 'const'; value: ConstValue };

export interface CompiledExpression {
  readonly source: string;
  readonly root: Compiled;
  /** Variables the expression reads. */
  readonly variables: ReadonlySet<Variable>;
  /** Every call, in source order, with its category (e.g. which losses it uses). */
  readonly calls: readonly { name: string; category: FunctionCategory; fn: FunctionDef }[];
}

/** A subexpression's static value: a tensor (to compute) or a constant known now. */
type Value = { pos: number } & (
  | { t: 'tensor'; node: Compiled }
  | { t: 'number'; value: number }
  | { t: 'string'; value: string }
  | { t: 'bool'; value: boolean }
  | { t: 'none' }
  | { t: 'list'; values: number[] }
  | { t: 'params' }
);

const PARAMS_ONLY = 'params can only be used as the argument of l1() or l2()';

function describe(v: Value): string {
  switch (v.t) {
    case 'tensor':
      return 'a tensor expression';
    case 'number':
      return String(v.value);
    case 'string':
      return `string '${v.value}'`;
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'list':
      return 'a list';
    case 'params':
      return 'params';
  }
}

function startOf(node: Node): number {
  return node.kind === 'binary' ? startOf(node.left) : node.pos;
}

function fold(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '^':
      return a ** b;
  }
}

function arity(min: number, max: number, positional: boolean): string {
  const noun = `${positional ? 'positional ' : ''}argument${max === 1 ? '' : 's'}`;
  return min === max ? `${max} ${noun}` : `${min} to ${max} ${noun}`;
}

/** Parses and checks an expression; throws a CustomLossError naming the column of the first problem. */
export function compileExpression(source: string): CompiledExpression {
  return new Compiler(source).compile();
}

class Compiler {
  private readonly variables = new Set<Variable>();
  private readonly calls: CompiledExpression['calls'][number][] = [];

  constructor(private readonly source: string) {}

  compile(): CompiledExpression {
    const ast = parseExpression(this.source);
    const value = this.value(ast);
    const root = this.asTensor(value, () => `the expression must compute a tensor, got ${describe(value)}`);
    if (!this.variables.has('input') && !this.variables.has('params')) {
      throw expressionError(
        'the expression must use input (the model output) or params, or there is nothing to train',
      );
    }
    return { source: this.source, root, variables: this.variables, calls: this.calls };
  }

  private error(pos: number, message: string, hint?: string) {
    return errorAt(this.source, pos, message, hint);
  }

  /** A tensor-valued operand: tensors and numbers; anything else is reported by `message`. */
  private asTensor(v: Value, message: () => string): Compiled {
    if (v.t === 'tensor') return v.node;
    if (v.t === 'number') return { kind: 'const', value: v.value };
    throw this.error(v.pos, v.t === 'params' ? PARAMS_ONLY : message());
  }

  private value(node: Node): Value {
    const pos = startOf(node);
    switch (node.kind) {
      case 'number':
        return { pos, t: 'number', value: node.value };
      case 'string':
        return { pos, t: 'string', value: node.value };
      case 'list':
        return { pos, t: 'list', values: node.items.map((item) => this.listItem(item)) };
      case 'name':
        return this.name(node.name, pos);
      case 'unary': {
        const operand = this.value(node.operand);
        if (operand.t === 'number')
          return { pos, t: 'number', value: node.op === '-' ? -operand.value : operand.value };
        const tensor = this.asTensor(operand, () => `bad operand for unary ${node.op}: ${describe(operand)}`);
        return {
          pos,
          t: 'tensor',
          node: node.op === '-' ? { kind: 'neg', operand: tensor, pos: node.pos } : tensor,
        };
      }
      case 'binary': {
        const left = this.value(node.left);
        const right = this.value(node.right);
        if (left.t === 'number' && right.t === 'number') {
          const value = fold(node.op, left.value, right.value);
          if (!Number.isFinite(value))
            throw this.error(node.pos, `this constant is not a finite number (${value})`);
          return { pos, t: 'number', value };
        }
        const bad = (v: Value) => () => `unsupported operand for '${node.op}': ${describe(v)}`;
        const l = this.asTensor(left, bad(left));
        const r = this.asTensor(right, bad(right));
        return { pos, t: 'tensor', node: { kind: 'binary', op: node.op, left: l, right: r, pos: node.pos } };
      }
      case 'call':
        return { pos, t: 'tensor', node: this.call(node) };
    }
  }

  private listItem(item: Node): number {
    const v = this.value(item);
    if (v.t !== 'number') throw this.error(v.pos, `list items must be numbers, got ${describe(v)}`);
    return v.value;
  }

  private name(name: string, pos: number): Value {
    if (name === 'input' || name === 'target') {
      this.variables.add(name);
      return { pos, t: 'tensor', node: { kind: 'var', name } };
    }
    if (name === 'params') {
      this.variables.add(name);
      return { pos, t: 'params' };
    }
    if (Object.hasOwn(CONSTANTS, name)) {
      const c = CONSTANTS[name];
      return c === null ? { pos, t: 'none' } : { pos, t: 'bool', value: c };
    }
    if (lookupFunction(name) !== undefined)
      throw this.error(pos, `'${name}' is a function; call it as ${name}(...)`);
    throw this.error(
      pos,
      `unknown variable '${name}'`,
      didYouMean(name, VARIABLES) ?? 'the variables are input, target and params',
    );
  }

  private call(node: Extract<Node, { kind: 'call' }>): Compiled {
    const name = node.name;
    const fn = lookupFunction(name);
    if (fn === undefined) {
      if ((VARIABLES as readonly string[]).includes(name))
        throw this.error(node.pos, `'${name}' is not a function`);
      throw this.error(node.pos, `unknown function '${name}'`, didYouMean(name, Object.keys(FUNCTIONS)));
    }
    this.calls.push({ name, category: fn.category, fn });
    const bound = this.bind(fn, node);
    const args = fn.params.map((param) => this.checkArg(fn, param, bound.get(param.name)));
    if (fn.validate !== undefined) {
      const constant = (n: string) => {
        const arg = args.find((a) => a.name === n);
        return arg?.kind === 'const' ? arg.value : undefined;
      };
      const problem = fn.validate(constant);
      if (problem !== undefined) throw this.error(node.pos, `${name}(): ${problem}`);
    }
    return { kind: 'call', fn, args, pos: node.pos };
  }

  /** Python's argument binding: the value (or node) given for each parameter, by name. */
  private bind(fn: FunctionDef, node: Extract<Node, { kind: 'call' }>): Map<string, Value | undefined> {
    const positional = fn.params.filter((p) => !p.keywordOnly);
    const required = fn.params.filter((p) => p.default === undefined);
    const hasKeywordOnly = positional.length < fn.params.length;
    const { args, kwargs } = node;
    const takes = () => arity(required.length, positional.length, hasKeywordOnly);
    if (args.length > positional.length) {
      throw this.error(startOf(args[positional.length]), `${fn.name}() takes ${takes()}, got ${args.length}`);
    }
    const bound = new Map<string, Value | undefined>();
    args.forEach((arg, i) => {
      bound.set(positional[i].name, this.value(arg));
    });
    for (const kwarg of kwargs) this.bindKeyword(fn, kwarg, bound);
    const missing = required.find((p) => !bound.has(p.name));
    if (missing !== undefined) {
      if (kwargs.length === 0)
        throw this.error(node.pos, `${fn.name}() takes ${takes()}, got ${args.length}`);
      throw this.error(node.pos, `${fn.name}() missing required argument '${missing.name}'`);
    }
    return bound;
  }

  private bindKeyword(fn: FunctionDef, kwarg: Kwarg, bound: Map<string, Value | undefined>): void {
    const param = fn.params.find((p) => p.name === kwarg.name);
    if (param === undefined) {
      throw this.error(
        kwarg.pos,
        `${fn.name}() got an unexpected keyword argument '${kwarg.name}'`,
        didYouMean(
          kwarg.name,
          fn.params.map((p) => p.name),
        ),
      );
    }
    if (bound.has(param.name))
      throw this.error(kwarg.pos, `${fn.name}() got multiple values for argument '${param.name}'`);
    bound.set(param.name, this.value(kwarg.value));
  }

  /** Checks one argument against its parameter (`undefined`: not given, so the default). */
  private checkArg(fn: FunctionDef, param: Param, v: Value | undefined): BoundArg {
    const { name } = param;
    switch (param.type.kind) {
      case 'tensor': {
        if (v === undefined) throw new Error(`custom loss: ${fn.name}() has no default for '${name}'`);
        const must = () => `${fn.name}(): ${name} must be a tensor expression, got ${describe(v)}`;
        return { name, kind: 'tensor', node: this.asTensor(v, must) };
      }
      case 'params':
        if (v?.t !== 'params') {
          throw this.error(
            v?.pos ?? 0,
            `${fn.name}() takes params (the model parameters), got ${v ? describe(v) : 'nothing'}`,
          );
        }
        return { name, kind: 'params' };
      default: {
        if (v === undefined) return { name, kind: 'const', value: param.default ?? null };
        const value = constantOf(v);
        if (value === undefined || !constFits(param.type, value)) {
          const hint =
            param.type.kind === 'choice' && typeof value === 'string'
              ? didYouMean(value, param.type.values)
              : undefined;
          throw this.error(
            v.pos,
            `${fn.name}(): ${name} must be ${describeType(param.type)}, got ${describe(v)}`,
            hint,
          );
        }
        const problem = param.check?.(value);
        if (problem !== undefined) {
          throw this.error(v.pos, problem.startsWith(fn.name) ? problem : `${fn.name}(): ${problem}`);
        }
        return { name, kind: 'const', value };
      }
    }
  }
}

function constantOf(v: Value): ConstValue | undefined {
  switch (v.t) {
    case 'number':
    case 'string':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'list':
      return v.values;
    default:
      return undefined;
  }
}
