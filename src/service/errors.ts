/**
 * Errors the service raises, each a class with a stable `code` and HTTP status. The API maps them
 * to `application/problem+json` responses in one place (src/api/plugins/errors.ts).
 */
import type { SpecIssue } from '../engine/errors.js';

export interface ProblemIssue {
  path: string;
  message: string;
}

export abstract class ServiceError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  abstract readonly title: string;
}

export class ValidationError extends ServiceError {
  readonly code = 'validation_failed';
  readonly status = 400;
  readonly title = 'Invalid request';

  constructor(
    readonly issues: ProblemIssue[],
    detail = 'The request has invalid fields; see errors.',
  ) {
    super(detail);
    this.name = 'ValidationError';
  }

  static fromSpecIssues(issues: SpecIssue[]): ValidationError {
    return new ValidationError(issues.map((i) => ({ path: issuePath(i.path), message: i.message })));
  }
}

export class JobNotFoundError extends ServiceError {
  readonly code = 'job_not_found';
  readonly status = 404;
  readonly title = 'Job not found';

  constructor(readonly jobId: string) {
    super(`No job with id ${jobId}`);
    this.name = 'JobNotFoundError';
  }
}

/** The job exists but is not in a state that allows the request (e.g. download before success). */
export class JobStateError extends ServiceError {
  readonly code: string;
  readonly status = 409;
  readonly title = 'Conflict with the job state';

  constructor(code: 'job_not_finished' | 'job_finished' | 'model_not_available', message: string) {
    super(message);
    this.code = code;
    this.name = 'JobStateError';
  }
}

export class IdempotencyError extends ServiceError {
  readonly code: string;
  readonly status: number;
  readonly title = 'Idempotency-Key conflict';

  constructor(kind: 'key_reused' | 'in_progress') {
    super(
      kind === 'key_reused'
        ? 'This Idempotency-Key was used with a different request body'
        : 'A request with this Idempotency-Key is still being processed; retry shortly',
    );
    this.code = kind === 'key_reused' ? 'idempotency_key_reused' : 'idempotency_in_progress';
    this.status = kind === 'key_reused' ? 422 : 409;
    this.name = 'IdempotencyError';
  }
}

/** No credentials, or credentials that are not valid (a 401 never says which). */
/** A body in a character set the service does not read (everything is UTF-8). */
export class UnsupportedCharsetError extends ServiceError {
  readonly code = 'unsupported_charset';
  readonly status = 415;
  readonly title = 'Unsupported media type';

  constructor(charset: string) {
    super(`request bodies are read as UTF-8; send charset=utf-8 (or none), not charset=${charset}`);
    this.name = 'UnsupportedCharsetError';
  }
}

export class UnauthorizedError extends ServiceError {
  readonly code = 'unauthorized';
  readonly status = 401;
  readonly title = 'Unauthorized';

  constructor(detail = 'A valid API key is required: send `Authorization: Bearer <key>`.') {
    super(detail);
    this.name = 'UnauthorizedError';
  }
}

/** A trained model with a layer that has no exact ONNX form (the safetensors download still works). */
export class ModelNotExportableError extends ServiceError {
  readonly code = 'onnx_export_failed';
  readonly status = 422;
  readonly title = 'Model not exportable as ONNX';

  constructor(message: string) {
    super(message);
    this.name = 'ModelNotExportableError';
  }
}

/** A request over one of the configured limits (layers, parameters, compute, metadata, ...). */
export class LimitExceededError extends ServiceError {
  readonly code = 'limit_exceeded';
  readonly status = 422;
  readonly title = 'Limit exceeded';

  constructor(readonly issues: ProblemIssue[]) {
    super(
      `The request is over ${issues.length === 1 ? 'a limit' : 'limits'}: ${issues.map((i) => i.message).join('; ')}`,
    );
    this.name = 'LimitExceededError';
  }
}

/** Too many requests or too much work at once: retry later. */
export class TooManyRequestsError extends ServiceError {
  readonly code: string;
  readonly status = 429;
  readonly title = 'Too Many Requests';

  constructor(code: 'rate_limited' | 'too_many_active_jobs', message: string) {
    super(message);
    this.code = code;
    this.name = 'TooManyRequestsError';
  }
}

/** A JSON body that does not parse, or parses into something hostile: forbidden keys, too deep. */
export class UnsafeJsonError extends ServiceError {
  readonly code: string;
  readonly status = 400;
  readonly title = 'Invalid request';

  constructor(code: 'invalid_json' | 'forbidden_key' | 'nesting_too_deep', message: string) {
    super(message);
    this.code = code;
    this.name = 'UnsafeJsonError';
  }
}

/** JSON-pointer-like dotted path: `optimizer.lr`, `data.y[3]`, `init.state_dict["0.weight"]`. */
export function issuePath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
