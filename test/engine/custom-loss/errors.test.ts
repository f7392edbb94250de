/**
 * Errors point at the offending column with a caret excerpt, and are found when the spec is
 * validated; hostile input (long, deeply nested, prototype names) gives clean errors.
 */
import { describe, expect, it } from 'vitest';
import {
  CustomLossError,
  compileExpression,
  customLossSpecSchema,
  MAX_DEPTH,
  MAX_EXPRESSION_LENGTH,
} from '../../../src/engine/custom-loss/index.js';
import { SpecError } from '../../../src/engine/errors.js';

/** The error `compileExpression` throws for `source`. */
function errorOf(source: string): CustomLossError {
  try {
    compileExpression(source);
  } catch (error) {
    expect(error).toBeInstanceOf(CustomLossError);
    expect(error).toBeInstanceOf(SpecError);
    return error as CustomLossError;
  }
  throw new Error(`expected '${source}' to fail`);
}

describe('custom loss errors: syntax', () => {
  it.each([
    ['mean((input - target)))', "unexpected ')' at column 23"],
    ['mean(input, target))', "unexpected ')' at column 20"],
    ['mean(input', "unexpected end of expression at column 11 (expected ')' to close the '(' at column 5)"],
    ['(input', "unexpected end of expression at column 7 (expected ')' to close the '(' at column 1)"],
    ['input +', 'unexpected end of expression at column 8'],
    ['input target', "unexpected 'target' at column 7"],
    ['mean(input) $ 2', "unexpected character '$' at column 13"],
    ['mean(input,, 1)', "unexpected ',' at column 12"],
    ['mean(input, dim=1, 2)', 'positional argument follows keyword argument at column 20'],
    ['mean(input, dim=1, dim=2)', 'keyword argument repeated: dim at column 20'],
    ['2input', "invalid number '2i' at column 1"],
    ['1.2.3', "invalid number '1.2.' at column 1"],
    ["mse_loss(input, target, reduction='sum)", 'unterminated string at column 35'],
    ['1e999 * input', "number '1e999' is out of range at column 1"],
    ['mean(input, 1=2)', "unexpected '=' at column 14 (expected ')' to close the '(' at column 5)"],
    ['input = target', "unexpected '=' at column 7"],
    ['input == target', "unexpected '=' at column 7"],
  ])('%s', (source, detail) => {
    const error = errorOf(source);
    expect(error.detail).toBe(detail);
    expect(error.column).toBe(Number(/column (\d+)/.exec(detail)?.[1]));
  });

  it('reports an empty expression', () => {
    expect(errorOf('   ').detail).toBe('the expression is empty');
  });
});

describe('custom loss errors: names, arity and arguments', () => {
  it.each([
    ['meen((input - target)^2)', "unknown function 'meen' at column 1 (did you mean 'mean'?)"],
    ['mean(sqaure(input))', "unknown function 'sqaure' at column 6 (did you mean 'square'?)"],
    ['mean(frobnicate(input))', "unknown function 'frobnicate' at column 6"],
    ['mean(inptu)', "unknown variable 'inptu' at column 6 (did you mean 'input'?)"],
    ['mean(x)', "unknown variable 'x' at column 6 (the variables are input, target and params)"],
    ['mean', "'mean' is a function; call it as mean(...) at column 1"],
    ['input(1)', "'input' is not a function at column 1"],
    ['mean()', 'mean() takes 1 to 3 arguments, got 0 at column 1'],
    ['mean(input, 0, True, 1)', 'mean() takes 1 to 3 arguments, got 4 at column 22'],
    ['exp(input, 2)', 'exp() takes 1 argument, got 2 at column 12'],
    ['where(gt(input, 0), input)', 'where() takes 3 arguments, got 2 at column 1'],
    ['mse_loss(input)', 'mse_loss() takes 2 positional arguments, got 1 at column 1'],
    ["mse_loss(input, target, 'sum')", 'mse_loss() takes 2 positional arguments, got 3 at column 25'],
    ['softmax(input)', 'softmax() takes 2 arguments, got 1 at column 1'],
    [
      'mean(softmax(input, keepdim=True))',
      "softmax() got an unexpected keyword argument 'keepdim' at column 21",
    ],
    [
      'mean(log_softmax(input, dim=1, dim2=0))',
      "log_softmax() got an unexpected keyword argument 'dim2' at column 32 (did you mean 'dim'?)",
    ],
    [
      'mean(input, dims=1)',
      "mean() got an unexpected keyword argument 'dims' at column 13 (did you mean 'dim'?)",
    ],
    ['mean(input, 1, dim=0)', "mean() got multiple values for argument 'dim' at column 16"],
    [
      'mean(input, dim=0.5)',
      'mean(): dim must be an integer, a list of integers or None, got 0.5 at column 17',
    ],
    [
      'mean(input, dim=target)',
      'mean(): dim must be an integer, a list of integers or None, got a tensor expression at column 17',
    ],
    ["mean(input, keepdim='yes')", "mean(): keepdim must be True or False, got string 'yes' at column 21"],
    ['max(input, dim=[0, 1])', 'max(): dim must be an integer or None, got a list at column 16'],
    [
      "mse_loss(input, target, reduction='summ')",
      "mse_loss(): reduction must be one of 'none', 'mean', 'sum', got string 'summ' at column 35 (did you mean 'sum'?)",
    ],
    [
      "kl_div(input, target, reduction='batchmean', log_target=1)",
      'kl_div(): log_target must be True or False, got 1 at column 57',
    ],
    [
      'cross_entropy(input, target, label_smoothing=1.5)',
      'cross_entropy(): label_smoothing must be between 0.0 and 1.0. Got: 1.5 at column 46',
    ],
    [
      'huber_loss(input, target, delta=0)',
      'huber_loss does not support non-positive values for delta at column 33',
    ],
    [
      'smooth_l1_loss(input, target, beta=-1)',
      'smooth_l1_loss does not support negative values for beta at column 36',
    ],
    [
      'nll_loss(input, target, weight=[])',
      'nll_loss(): weight must be a list of numbers or None, got a list at column 32',
    ],
    [
      'nll_loss(input, target, weight=[1, input])',
      'list items must be numbers, got a tensor expression at column 36',
    ],
    ['mean(clamp(input))', "clamp(): at least one of 'min' or 'max' must not be None at column 6"],
    ['l2(input)', 'l2() takes params (the model parameters), got a tensor expression at column 4'],
    ['mean(input) + params', 'params can only be used as the argument of l1() or l2() at column 15'],
    ['mean(params)', 'params can only be used as the argument of l1() or l2() at column 6'],
    ["mean(input) + 'a'", "unsupported operand for '+': string 'a' at column 15"],
    ['-True + mean(input)', 'bad operand for unary -: True at column 2'],
    ['mean(input) + 1/0', 'this constant is not a finite number (Infinity) at column 16'],
    ["'mean'", "the expression must compute a tensor, got string 'mean' at column 1"],
  ])('%s', (source, detail) => {
    expect(errorOf(source).detail).toBe(detail);
  });

  it('rejects an expression that trains nothing', () => {
    expect(errorOf('mean(target) * 2').detail).toBe(
      'the expression must use input (the model output) or params, or there is nothing to train',
    );
  });
});

describe('custom loss errors: message format', () => {
  it('names the field and shows a caret under the column', () => {
    const error = errorOf('mean((input - target)^2) + 0.01 * l3(params)');
    expect(error.message).toBe(
      [
        "expression: unknown function 'l3' at column 35 (did you mean 'l1'?)",
        '  mean((input - target)^2) + 0.01 * l3(params)',
        '                                    ^',
      ].join('\n'),
    );
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0].path).toEqual(['expression']);
  });

  it('shows a window of a long expression around the column', () => {
    const source = `${'mean(input) + '.repeat(20)}mean(inptu)`;
    const [, line, caret] = errorOf(source).message.split('\n');
    expect(line.length).toBeLessThan(90);
    expect(line.startsWith('  …')).toBe(true);
    const at = caret.indexOf('^');
    expect(line.slice(at, at + 5)).toBe('inptu');
  });

  it('is found at spec validation, the zod issue carrying the position', () => {
    const ok = customLossSpecSchema.safeParse({ type: 'Custom', expression: 'mean((input - target)^2)' });
    expect(ok.success).toBe(true);
    const bad = customLossSpecSchema.safeParse({ type: 'Custom', expression: 'mean((input - target)^2' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues).toHaveLength(1);
    expect(bad.error?.issues[0].path).toEqual(['expression']);
    expect(bad.error?.issues[0].message).toMatch(/^unexpected end of expression at column 24 .*\n {2}mean/);
  });

  it('rejects unknown keys and wrong types in the spec', () => {
    expect(
      customLossSpecSchema.safeParse({ type: 'Custom', expression: 'mean(input)', extra: 1 }).success,
    ).toBe(false);
    expect(customLossSpecSchema.safeParse({ type: 'Custom', expression: 42 }).success).toBe(false);
    expect(customLossSpecSchema.safeParse({ type: 'Custom' }).success).toBe(false);
  });
});

describe('custom loss errors: hostile input', () => {
  it('refuses an over-long expression without parsing it', () => {
    const source = `mean(input)${' + mean(input)'.repeat(200)}`;
    expect(source.length).toBeGreaterThan(MAX_EXPRESSION_LENGTH);
    const error = errorOf(source);
    expect(error.detail).toBe(`the expression is too long (${source.length} characters; the limit is 2000)`);
    expect(error.column).toBeNull();
  });

  it('accepts the longest allowed expression', () => {
    const unit = ' + mean(input)';
    const body = `mean(input)${unit.repeat(Math.floor((MAX_EXPRESSION_LENGTH - 11) / unit.length))}`;
    expect(body.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    expect(() => compileExpression(body)).not.toThrow();
  });

  it.each([
    ['parentheses', `${'('.repeat(500)}input${')'.repeat(500)}`],
    ['calls', `${'exp('.repeat(300)}input${')'.repeat(300)}`],
    ['unary minus', `${'-'.repeat(1990)}input`],
    ['powers', `input${'^2'.repeat(900)}`],
    ['lists', `nll_loss(input, target, weight=${'['.repeat(900)}`],
  ])('stops deep nesting of %s with a clean error', (_, source) => {
    const error = errorOf(source);
    expect(error.detail).toMatch(
      /^the expression is nested too deeply \(more than 64 levels\) at column \d+$/,
    );
  });

  it('allows nesting up to the limit', () => {
    const depth = MAX_DEPTH - 3;
    expect(() => compileExpression(`mean(${'('.repeat(depth)}input${')'.repeat(depth)})`)).not.toThrow();
  });

  it('handles a long flat chain without deep recursion trouble', () => {
    expect(() => compileExpression(`mean(input${' - input'.repeat(240)})`)).not.toThrow();
  });

  it.each([
    ['__proto__', "unknown variable '__proto__' at column 1"],
    ['constructor', "unknown variable 'constructor' at column 1"],
    ['toString(input)', "unknown function 'toString' at column 1"],
    ['__proto__(input)', "unknown function '__proto__' at column 1"],
    ['constructor(input)', "unknown function 'constructor' at column 1"],
    ['hasOwnProperty(input)', "unknown function 'hasOwnProperty' at column 1"],
    ['mean(input, __proto__=1)', "mean() got an unexpected keyword argument '__proto__' at column 13"],
    ['mean(input, constructor=1)', "mean() got an unexpected keyword argument 'constructor' at column 13"],
    [
      "mse_loss(input, target, reduction='__proto__')",
      "mse_loss(): reduction must be one of 'none', 'mean', 'sum', got string '__proto__' at column 35",
    ],
  ])('treats %s as an ordinary unknown name', (source, start) => {
    expect(errorOf(source).detail.startsWith(start)).toBe(true);
  });

  it('shows control and non-ASCII characters safely', () => {
    expect(errorOf('mean(input)\u0000').detail).toBe("unexpected character '\\u0000' at column 12");
    expect(errorOf('mean(input) ≥ 1').detail).toBe("unexpected character '≥' at column 13");
    expect(errorOf('mean(input); process.exit(1)').detail).toBe("unexpected character ';' at column 12");
  });

  it('never evaluates JavaScript', () => {
    expect(errorOf('globalThis').detail).toMatch(/^unknown variable 'globalThis'/);
    expect(errorOf('eval(input)').detail).toMatch(/^unknown function 'eval'/);
    expect(errorOf('`1`').detail).toBe("unexpected character '`' at column 1");
  });
});
