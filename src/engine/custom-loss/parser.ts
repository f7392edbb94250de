/**
 * A recursive-descent parser for custom-loss expressions (never eval). Precedence, loosest first,
 * as in Python:
 *
 *     expr   := term (('+' | '-') term)*             left-associative
 *     term   := unary (('*' | '/') unary)*           left-associative
 *     unary  := ('-' | '+') unary | power
 *     power  := atom ('^' unary)?                    right-associative; -x^2 is -(x^2), 2^-1 is 2^(-1)
 *     atom   := number | string | name | name '(' args ')' | '(' expr ')' | '[' items ']'
 *     args   := (expr | name '=' expr) (',' ...)* ','?     keywords after positionals
 *
 * Hostile input stays harmless: the source is capped at MAX_EXPRESSION_LENGTH characters and the
 * nesting (parentheses, calls, unary signs, powers) at MAX_DEPTH levels, so recursion is bounded.
 */
import type { BinaryOp, Kwarg, Node } from './ast.js';
import { errorAt, expressionError } from './errors.js';
import { type Token, tokenize } from './tokenizer.js';

export const MAX_EXPRESSION_LENGTH = 2000;
export const MAX_DEPTH = 64;

export function parseExpression(source: string): Node {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw expressionError(
      `the expression is too long (${source.length} characters; the limit is ${MAX_EXPRESSION_LENGTH})`,
    );
  }
  if (source.trim() === '') throw expressionError('the expression is empty');
  return new Parser(source).parse();
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string '${token.text}'`;
    default:
      return `'${token.text}'`;
  }
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): Node {
    const node = this.expression();
    const next = this.peek();
    if (next.type !== 'end') throw this.unexpected(next);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private isOp(token: Token, ...ops: string[]): boolean {
    return token.type === 'op' && ops.includes(token.text);
  }

  private isPunct(token: Token, text: string): boolean {
    return token.type === 'punct' && token.text === text;
  }

  private unexpected(token: Token, hint?: string) {
    return errorAt(this.source, token.pos, `unexpected ${describe(token)}`, hint);
  }

  /** Runs `parse` one nesting level deeper, refusing to go past MAX_DEPTH. */
  private nested<T>(at: Token, parse: () => T): T {
    if (this.depth >= MAX_DEPTH) {
      throw errorAt(
        this.source,
        at.pos,
        `the expression is nested too deeply (more than ${MAX_DEPTH} levels)`,
      );
    }
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private expression(): Node {
    return this.nested(this.peek(), () => {
      let left = this.term();
      while (this.isOp(this.peek(), '+', '-')) {
        const op = this.next();
        left = { kind: 'binary', op: op.text as BinaryOp, left, right: this.term(), pos: op.pos };
      }
      return left;
    });
  }

  private term(): Node {
    let left = this.unary();
    while (this.isOp(this.peek(), '*', '/')) {
      const op = this.next();
      left = { kind: 'binary', op: op.text as BinaryOp, left, right: this.unary(), pos: op.pos };
    }
    return left;
  }

  private unary(): Node {
    const token = this.peek();
    if (this.isOp(token, '-', '+')) {
      this.next();
      const operand = this.nested(token, () => this.unary());
      return { kind: 'unary', op: token.text as '-' | '+', operand, pos: token.pos };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.atom();
    const op = this.peek();
    if (!this.isOp(op, '^')) return base;
    this.next();
    const exponent = this.nested(op, () => this.unary());
    return { kind: 'binary', op: '^', left: base, right: exponent, pos: op.pos };
  }

  private atom(): Node {
    const token = this.next();
    switch (token.type) {
      case 'number': {
        const value = Number(token.text);
        if (!Number.isFinite(value))
          throw errorAt(this.source, token.pos, `number '${token.text}' is out of range`);
        return { kind: 'number', value, pos: token.pos };
      }
      case 'string':
        return { kind: 'string', value: token.text, pos: token.pos };
      case 'ident':
        if (this.isPunct(this.peek(), '(')) return this.call(token);
        return { kind: 'name', name: token.text, pos: token.pos };
      case 'punct':
        if (token.text === '(') {
          const inner = this.expression();
          this.expectClose(')', token);
          return inner;
        }
        if (token.text === '[') return this.list(token);
        throw this.unexpected(token);
      default:
        throw this.unexpected(token);
    }
  }

  private expectClose(close: ')' | ']', open: Token): void {
    const token = this.peek();
    if (this.isPunct(token, close)) {
      this.next();
      return;
    }
    throw this.unexpected(token, `expected '${close}' to close the '${open.text}' at column ${open.pos + 1}`);
  }

  private list(open: Token): Node {
    const items: Node[] = [];
    while (!this.isPunct(this.peek(), ']')) {
      items.push(this.expression());
      if (!this.isPunct(this.peek(), ',')) break;
      this.next();
    }
    this.expectClose(']', open);
    return { kind: 'list', items, pos: open.pos };
  }

  private call(name: Token): Node {
    const open = this.next(); // '('
    const args: Node[] = [];
    const kwargs: Kwarg[] = [];
    while (!this.isPunct(this.peek(), ')')) {
      const first = this.peek();
      if (first.type === 'ident' && this.isPunct(this.peek(1), '=')) {
        this.next();
        this.next();
        if (kwargs.some((k) => k.name === first.text)) {
          throw errorAt(this.source, first.pos, `keyword argument repeated: ${first.text}`);
        }
        kwargs.push({ name: first.text, value: this.expression(), pos: first.pos });
      } else {
        if (kwargs.length > 0)
          throw errorAt(this.source, first.pos, 'positional argument follows keyword argument');
        args.push(this.expression());
      }
      if (!this.isPunct(this.peek(), ',')) break;
      this.next();
    }
    this.expectClose(')', open);
    return { kind: 'call', name: name.text, args, kwargs, pos: name.pos };
  }
}
