/**
 * What every command shares: the SDK client (base URL and key from flags or the environment),
 * output in text or `--json`, and errors with exit codes.
 */

import type { Client } from '../../openapi/sdk/client/index.js';
import { createClient } from '../../openapi/sdk/client/index.js';
import type { Problem } from '../../openapi/sdk/types.gen.js';
import type { CliConfig } from '../config.js';

/** Exit codes: 0 ok, 1 a job failed/was cancelled or the API refused, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error the CLI reports as one message (plus the API's field errors) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface Output {
  json: boolean;
  /** stdout is a terminal (progress bars redraw in place). */
  tty: boolean;
  out(text: string): void;
  err(text: string): void;
}

export interface Context {
  client: Client;
  output: Output;
}

export function createContext(
  config: CliConfig,
  flags: { url?: string; apiKey?: string; json: boolean },
): Context {
  const key = flags.apiKey ?? config.TRAINYARD_API_KEY;
  const client = createClient({
    baseUrl: (flags.url ?? config.TRAINYARD_URL).replace(/\/+$/, ''),
    headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
  });
  return {
    client,
    output: {
      json: flags.json,
      tty: process.stdout.isTTY === true,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    },
  };
}

/** The data of an SDK result, or a CliError built from the problem response. */
export function unwrap<T>(result: { data?: T; error?: unknown; response?: Response }): T {
  if (result.error === undefined && result.data !== undefined) return result.data;
  const status = result.response?.status ?? 0;
  const problem = (typeof result.error === 'object' ? result.error : null) as Partial<Problem> | null;
  const message = problem?.detail ?? problem?.title ?? `HTTP ${status}`;
  const details = (problem?.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  throw new CliError(`${message}${status ? ` (HTTP ${status})` : ''}`, EXIT.failed, details);
}

export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2));
}
