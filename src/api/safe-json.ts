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

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects/arrays in JSON text (strings skipped), stopping past `limit`. */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return max;
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
