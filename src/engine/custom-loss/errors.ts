/**
 * Errors in a custom-loss expression. Each names the 1-based column of the offending token and
 * carries a caret excerpt of the expression, so a 400 (or a failed run) shows where to look:
 *
 *     expression: unknown function 'meen' at column 1 (did you mean 'mean'?)
 *       meen((input - target)^2)
 *       ^
 */
import { type IssuePath, SpecError } from '../errors.js';

/** Characters of context shown either side of the caret in long expressions. */
const EXCERPT_RADIUS = 36;

export class CustomLossError extends SpecError {
  /** 1-based column of the offending token, or null when the error is about the whole expression. */
  readonly column: number | null;
  /** The message without the excerpt or path, e.g. `unexpected ')' at column 14`. */
  readonly detail: string;

  constructor(detail: string, column: number | null, excerpt: string, path: IssuePath = ['expression']) {
    super([{ path, message: excerpt === '' ? detail : `${detail}\n${excerpt}` }]);
    this.name = 'CustomLossError';
    this.column = column;
    this.detail = detail;
  }
}

/**
 * The error for the token at 0-based `offset` of `expression`: the message gets " at column N"
 * (before a trailing parenthetical hint, if `hint` is given) and the caret excerpt.
 */
export function errorAt(expression: string, offset: number, message: string, hint?: string): CustomLossError {
  const column = offset + 1;
  // "…for delta." reads badly before " at column 5"; PyTorch's messages often end in a period.
  const text = message.endsWith('.') ? message.slice(0, -1) : message;
  const detail = `${text} at column ${column}${hint === undefined ? '' : ` (${hint})`}`;
  return new CustomLossError(detail, column, caretExcerpt(expression, offset));
}

/** An error about the expression as a whole (too long, wrong result shape). */
export function expressionError(message: string): CustomLossError {
  return new CustomLossError(message, null, '');
}

/** Two indented lines: (a window of) the expression, and a caret under `offset`. */
export function caretExcerpt(expression: string, offset: number): string {
  // Keep the excerpt on one line whatever whitespace the expression holds.
  const flat = expression.replace(/\s/g, ' ');
  let start = Math.max(0, offset - EXCERPT_RADIUS);
  let end = Math.min(flat.length, offset + EXCERPT_RADIUS);
  if (end - start < 2 * EXCERPT_RADIUS) {
    start = Math.max(0, end - 2 * EXCERPT_RADIUS);
    end = Math.min(flat.length, start + 2 * EXCERPT_RADIUS);
  }
  const prefix = start > 0 ? '…' : '';
  const suffix = end < flat.length ? '…' : '';
  const line = `${prefix}${flat.slice(start, end)}${suffix}`;
  const caret = `${' '.repeat(prefix.length + offset - start)}^`;
  return `  ${line}\n  ${caret}`;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for hints. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** A "did you mean 'x'?" hint for the closest candidate within a few edits (ties: alphabetical). */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > 64) return undefined;
  const limit = name.length <= 3 ? 1 : name.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best === undefined ? undefined : `did you mean '${best}'?`;
}
