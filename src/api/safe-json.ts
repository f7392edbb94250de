/**
 * JSON request bodies, parsed defensively: nesting deeper than a limit is refused before parsing
 * (deep nesting costs stack in every recursive walk after it), and the keys `__proto__`,
 * `constructor` and `prototype` are refused wherever they occur (prototype pollution), with a 400
 * that names the key.
 */
import { UnsafeJsonError } from '../service/errors.js';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Could the text hold a forbidden key (directly or through a `\u` escape)? A cheap pre-check. */
const SUSPICIOUS = /__proto__|constructor|prototype|\\u/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** The characters that matter for nesting: brackets, braces and string openings. */
const STRUCTURE = /[[\]{}"]/g;

/**
 * The deepest nesting of objects/arrays in JSON text (strings skipped), stopping past `limit`.
 * It jumps from one structural character to the next (a regular expression and indexOf do the
 * scanning), which matters for bodies that are mostly numbers.
 */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  STRUCTURE.lastIndex = 0;
  for (let m = STRUCTURE.exec(text); m !== null; m = STRUCTURE.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === QUOTE) {
      const end = closingQuote(text, m.index);
      if (end < 0) return max; // an unterminated string: JSON.parse will refuse the text
      STRUCTURE.lastIndex = end + 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else {
      depth--;
    }
  }
  return max;
}

/** The index of the quote that closes the string opened at `open` (not escaped), or -1. */
function closingQuote(text: string, open: number): number {
  let j = open;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

function refuseForbidden(this: unknown, key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key) && !Array.isArray(this))
    throw new UnsafeJsonError('forbidden_key', `The key "${key}" is not allowed in request bodies.`);
  return value;
}

/** Parses a JSON body; throws UnsafeJsonError (400) for bad syntax, deep nesting or forbidden keys. */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.trim() === '') throw new UnsafeJsonError('invalid_json', 'The JSON body is empty.');
  if (jsonDepth(text, maxDepth) > maxDepth)
    throw new UnsafeJsonError(
      'nesting_too_deep',
      `JSON nesting deeper than ${maxDepth} levels is not accepted.`,
    );
  try {
    return SUSPICIOUS.test(text) ? JSON.parse(text, refuseForbidden) : JSON.parse(text);
  } catch (err) {
    if (err instanceof UnsafeJsonError) throw err;
    throw new UnsafeJsonError('invalid_json', `Invalid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}
