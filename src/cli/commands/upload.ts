/**
 * `trainyard upload <file> [<file> …] [--name n] [--target column]`: a dataset from a CSV or JSON
 * file, or from arrays: an IDX or `.npy` x and then its y, sent back to back in one body as the
 * API takes them (gzipped binary files as they are). The media type comes from the first file's
 * extension: .csv, .json, .npy, anything else IDX (`application/octet-stream`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { postV1Datasets } from '../../../openapi/sdk/sdk.gen.js';
import { CliError, type Context, EXIT, printJson, unwrap } from '../context.js';

const USAGE =
  'usage: trainyard upload <data.csv|data.json> [--target column] [--name n]\n' +
  '       trainyard upload <x.npy|x-idx> <y.npy|y-idx> [--name n]';

/** The upload's media type and how many files it takes, from the first file's name. */
function uploadKind(file: string): { type: string; files: 1 | 2 } {
  const name = file.toLowerCase();
  if (/\.csv(\.gz)?$/.test(name) || /\.json(\.gz)?$/.test(name)) {
    if (name.endsWith('.gz'))
      throw new CliError(`${file}: a gzipped CSV or JSON file is not accepted; gunzip it first`, EXIT.usage);
    return { type: name.endsWith('.csv') ? 'text/csv' : 'application/json', files: 1 };
  }
  return { type: /\.npy(\.gz)?$/.test(name) ? 'application/x-npy' : 'application/octet-stream', files: 2 };
}

export async function upload(ctx: Context, files: string[], options: { name?: string; target?: string }) {
  if (files.length === 0) throw new CliError(USAGE, EXIT.usage);
  const kind = uploadKind(files[0]);
  if (files.length !== kind.files)
    throw new CliError(
      kind.files === 1
        ? `a CSV or JSON upload is one file (got ${files.length})\n${USAGE}`
        : `an array upload is two files, x then y (got ${files.length})\n${USAGE}`,
      EXIT.usage,
    );
  if (options.target !== undefined && kind.type !== 'text/csv')
    throw new CliError('--target names a CSV column; it applies to CSV uploads only', EXIT.usage);
  const parts = files.map((file) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new CliError(
        `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        EXIT.usage,
      );
    }
  });
  const body = Buffer.concat(parts);
  const dataset = unwrap(
    await postV1Datasets({
      client: ctx.client,
      // The API reads the raw body in every format but JSON; the SDK would serialise it as JSON.
      body: body as never,
      bodySerializer: null,
      headers: { 'Content-Type': kind.type },
      query: {
        name: options.name ?? basename(files[0]),
        ...(options.target ? { target: options.target } : {}),
      },
    }),
  ) as { id: string; rows: number; sample_shape?: number[]; features: number };
  if (ctx.output.json) printJson(ctx.output, dataset);
  else
    ctx.output.out(
      `${dataset.id}: ${dataset.rows} samples of shape [${(dataset.sample_shape ?? [dataset.features]).join(', ')}]`,
    );
  return EXIT.ok;
}
