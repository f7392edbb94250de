/**
 * Splits a custom-loss expression into tokens: numbers (`2`, `0.5`, `.5`, `1e-3`), identifiers,
 * quoted strings (`'mean'` or `"mean"`, no escapes), the operators `+ - * / ^ **` (the last two
 * both mean power), and the punctuation `( ) [ ] , =`. Whitespace separates tokens.
 */
import { errorAt } from './errors.js';

export type TokenType = 'number' | 'ident' | 'string' | 'op' | 'punct' | 'end';

export interface Token {
  type: TokenType;
  /** The source text; for strings, the unquoted contents; `**` is normalised to `^`. */
  text: string;
  /** 0-based offset of the token's first character. */
  pos: number;
}

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const WHITESPACE = /\s/;
const PUNCT = new Set(['(', ')', '[', ']', ',', '=']);
const OPS = new Set(['+', '-', '*', '/', '^']);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (WHITESPACE.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (/[0-9.]/.test(c)) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(source);
      if (match === null) throw errorAt(source, i, `unexpected '${c}'`);
      i += match[0].length;
      // `2x` or `1.5e` must not silently split into two tokens.
      if (i < source.length && /[A-Za-z0-9_.]/.test(source[i])) {
        throw errorAt(source, start, `invalid number '${source.slice(start, i + 1)}'`);
      }
      tokens.push({ type: 'number', text: match[0], pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      IDENT.lastIndex = i;
      const text = (IDENT.exec(source) as RegExpExecArray)[0];
      i += text.length;
      tokens.push({ type: 'ident', text, pos: start });
    } else if (c === "'" || c === '"') {
      const close = source.indexOf(c, i + 1);
      if (close === -1) throw errorAt(source, i, 'unterminated string');
      tokens.push({ type: 'string', text: source.slice(i + 1, close), pos: start });
      i = close + 1;
    } else if (c === '*' && source[i + 1] === '*') {
      tokens.push({ type: 'op', text: '^', pos: start });
      i += 2;
    } else if (OPS.has(c)) {
      tokens.push({ type: 'op', text: c, pos: start });
      i++;
    } else if (PUNCT.has(c)) {
      tokens.push({ type: 'punct', text: c, pos: start });
      i++;
    } else {
      // JSON-escaped so control characters stay visible and harmless in the message.
      const shown = JSON.stringify(String.fromCodePoint(source.codePointAt(i) ?? 0)).slice(1, -1);
      throw errorAt(source, i, `unexpected character '${shown}'`);
    }
  }
  tokens.push({ type: 'end', text: '', pos: source.length });
  return tokens;
}
