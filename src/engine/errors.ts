/**
 * Errors the engine raises for bad specs and bad hyperparameters. Each carries the path of the
 * offending field so the API can answer with a 400 that names it.
 */

export type IssuePath = (string | number)[];

export interface SpecIssue {
  path: IssuePath;
  message: string;
}

/** A spec (model, loss, optimizer, scheduler, training options) that cannot be built. */
export class SpecError extends Error {
  readonly code = 'invalid_spec';
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[]) {
    super(
      issues.map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message)).join('; '),
    );
    this.name = 'SpecError';
    this.issues = issues;
  }

  /** Re-roots every issue under `prefix` (e.g. an optimizer error under `optimizer`). */
  under(...prefix: IssuePath): SpecError {
    return new SpecError(this.issues.map((i) => ({ path: [...prefix, ...i.path], message: i.message })));
  }
}

export function formatPath(path: IssuePath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Runs `fn`; a SpecError it throws adds its issues to `issues` and gives undefined, so a caller
 * can check every part of a spec and report all that is wrong at once. Other errors propagate.
 */
export function collectIssues<T>(issues: SpecIssue[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    issues.push(...err.issues);
    return undefined;
  }
}
