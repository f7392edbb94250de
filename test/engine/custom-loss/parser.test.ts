/**
 * The expression grammar: precedence, associativity, unary minus against ^, calls with keyword
 * arguments, literals. Trees are compared in their Lisp-like rendering (`show`).
 */
import { describe, expect, it } from 'vitest';
import { parseExpression, show } from '../../../src/engine/custom-loss/index.js';
import { tokenize } from '../../../src/engine/custom-loss/tokenizer.js';

const tree = (source: string) => show(parseExpression(source));

describe('custom loss parser: precedence and associativity', () => {
  it.each([
    ['a + b * c', '(+ a (* b c))'],
    ['a * b + c', '(+ (* a b) c)'],
    ['(a + b) * c', '(* (+ a b) c)'],
    ['a - b - c', '(- (- a b) c)'],
    ['a / b / c', '(/ (/ a b) c)'],
    ['a - b + c', '(+ (- a b) c)'],
    ['a * b / c * d', '(* (/ (* a b) c) d)'],
    ['a ^ b ^ c', '(^ a (^ b c))'],
    ['a ** b ** c', '(^ a (^ b c))'],
    ['a * b ^ c', '(* a (^ b c))'],
    ['a ^ b * c', '(* (^ a b) c)'],
    ['((a))', 'a'],
  ])('%s', (source, expected) => {
    expect(tree(source)).toBe(expected);
  });
});

describe('custom loss parser: unary minus and ^ (as in Python)', () => {
  it.each([
    ['-x ^ 2', '(neg (^ x 2))'],
    ['-x ** 2', '(neg (^ x 2))'],
    ['(-x) ^ 2', '(^ (neg x) 2)'],
    ['2 ^ -1', '(^ 2 (neg 1))'],
    ['2 ^ -x ^ 2', '(^ 2 (neg (^ x 2)))'],
    ['- - x', '(neg (neg x))'],
    ['+x', '(pos x)'],
    ['a - -b', '(- a (neg b))'],
    ['-a * b', '(* (neg a) b)'],
    ['a * -b', '(* a (neg b))'],
  ])('%s', (source, expected) => {
    expect(tree(source)).toBe(expected);
  });
});

describe('custom loss parser: calls and literals', () => {
  it.each([
    ['mean(x)', '(mean x)'],
    ['mean(x, dim=1)', '(mean x dim=1)'],
    ['mean(x, 1, keepdim=True)', '(mean x 1 keepdim=True)'],
    ['mean(x,)', '(mean x)'],
    ['f()', '(f)'],
    [
      "cross_entropy(input, target, label_smoothing=0.1, reduction='sum')",
      "(cross_entropy input target label_smoothing=0.1 reduction='sum')",
    ],
    ['cross_entropy(input, target, reduction="sum")', "(cross_entropy input target reduction='sum')"],
    ['nll_loss(input, target, weight=[1, 2.5, -3])', '(nll_loss input target weight=[1 2.5 (neg 3)])'],
    ['sum(x, dim=[])', '(sum x dim=[])'],
    ['mean(exp(-x) * 2)', '(mean (* (exp (neg x)) 2))'],
    ['where(gt(x, 0), x, 0)', '(where (gt x 0) x 0)'],
  ])('%s', (source, expected) => {
    expect(tree(source)).toBe(expected);
  });

  it('reads numbers in every form', () => {
    expect(tree('1e-3 + 2.5E+2 + .5 + 3. + 10')).toBe('(+ (+ (+ (+ 0.001 250) 0.5) 3) 10)');
  });

  it('records 0-based offsets of tokens', () => {
    const tokens = tokenize('mean( x**2 )');
    expect(tokens.map((t) => [t.type, t.text, t.pos])).toEqual([
      ['ident', 'mean', 0],
      ['punct', '(', 4],
      ['ident', 'x', 6],
      ['op', '^', 7],
      ['number', '2', 9],
      ['punct', ')', 11],
      ['end', '', 12],
    ]);
  });

  it('ignores whitespace, newlines included', () => {
    expect(tree('  mean(\n  x\t)  ')).toBe('(mean x)');
  });
});
