/**
 * What the API does with datasets, independent of HTTP: parse an upload as it streams in (CSV
 * text is decoded and parsed chunk by chunk, IDX and .npy arrays decoded as their bytes arrive,
 * so only the parsed values are kept, never the whole file), store it in binary with its
 * metadata, read, list and delete.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  BinaryDatasetError,
  BinaryDatasetParser,
  type BinaryFormat,
  DeclaredTooLargeError,
} from '../datasets/binary-upload.js';
import { CsvDatasetParser, DatasetError } from '../datasets/csv.js';
import { type Dataset, summarize } from '../datasets/dataset.js';
import { isGzip } from '../datasets/idx.js';
import {
  DatasetInUseError,
  DatasetNotFoundError,
  InvalidDatasetError,
  UploadTooLargeError,
} from './dataset-errors.js';
import type { DatasetResource } from './dataset-resource.js';
import type { DatasetStore } from './dataset-store.js';
import type { ProblemIssue } from './errors.js';
import { newDatasetId } from './ids.js';

export interface DatasetLimits {
  maxBytes: number;
  maxRows: number;
  /** Most values per sample (MAX_FEATURES); unlimited when absent. */
  maxFeatures?: number;
}

export interface UploadOptions {
  name?: string;
  /** CSV: the target column (default the last). */
  target?: string;
  /** The tenant uploading it (see src/api/tenant.ts). */
  owner: string;
  /** The declared size, when the client sent Content-Length: refused early when too large. */
  contentLength?: number;
}

/** Counts bytes as they arrive and stops the upload once it passes the limit. */
async function* limited(body: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > maxBytes) throw new UploadTooLargeError(maxBytes);
    yield buf;
  }
}

/**
 * The body as it arrives, inflated as it arrives when it starts like gzip (`.gz` files as MNIST
 * is distributed, several back to back); inflated bytes count against the limit too.
 */
async function* gunzipped(body: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  const head: Buffer = first.value;
  if (!isGzip(head)) {
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  const feeding = pipeline(Readable.from(rest), gunzip).catch(() => {});
  let total = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) throw new UploadTooLargeError(maxBytes, 'inflated from gzip');
      yield chunk;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      const message = `the body starts like gzip but does not inflate: ${(err as Error).message}`;
      throw new InvalidDatasetError(message, [{ path: 'body', message }]);
    }
    throw err;
  } finally {
    gunzip.destroy();
    await feeding;
  }
}

function invalid(err: DatasetError): InvalidDatasetError {
  const { row, column } = err.location;
  const where =
    row === undefined
      ? column === undefined
        ? 'body'
        : `column '${column}'`
      : row === 0
        ? 'header'
        : column === undefined
          ? `row ${row}`
          : `row ${row}, column '${column}'`;
  return new InvalidDatasetError(err.message, [{ path: where, message: err.message }]);
}

/** Rows of a JSON upload: a rectangular, finite numeric x and one target per row. */
export function datasetFromJson(
  body: unknown,
  { maxRows, maxFeatures }: Pick<DatasetLimits, 'maxRows' | 'maxFeatures'>,
): Dataset {
  const issues: ProblemIssue[] = [];
  const fail = (): never => {
    throw new InvalidDatasetError(issues[0].message, issues.slice(0, 20));
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    issues.push({ path: 'body', message: 'expected a JSON object {"x": [[...], ...], "y": [...]}' });
    fail();
  }
  const { x, y, ...rest } = body as Record<string, unknown>;
  for (const key of Object.keys(rest)) issues.push({ path: key, message: `unrecognized key "${key}"` });
  if (!Array.isArray(x) || x.length === 0)
    issues.push({ path: 'x', message: 'x must be a non-empty array of rows' });
  if (!Array.isArray(y)) issues.push({ path: 'y', message: 'y must be an array with one target per row' });
  if (issues.length > 0) fail();
  const rows = (x as unknown[]).length;
  const targets = y as unknown[];
  if (rows > maxRows)
    issues.push({ path: 'x', message: `the dataset has more than ${maxRows} rows (the limit)` });
  if (targets.length !== rows)
    issues.push({ path: 'y', message: `y has ${targets.length} entries but x has ${rows} rows` });
  const first = (x as unknown[])[0];
  const features = Array.isArray(first) ? first.length : 0;
  if (features === 0) issues.push({ path: 'x[0]', message: 'rows must be non-empty arrays of numbers' });
  if (maxFeatures !== undefined && features > maxFeatures)
    issues.push({
      path: 'x[0]',
      message: `the dataset has ${features} features per row; the limit is ${maxFeatures} (MAX_FEATURES)`,
    });
  if (issues.length > 0) fail();
  const values = new Float32Array(rows * features);
  for (let i = 0; i < rows && issues.length < 20; i++) {
    const row = (x as unknown[])[i];
    if (!Array.isArray(row) || row.length !== features) {
      issues.push({
        path: `x[${i}]`,
        message: `row ${i + 1}: expected ${features} values, found ${Array.isArray(row) ? row.length : 'no array'}`,
      });
      continue;
    }
    for (let j = 0; j < features; j++) {
      const v = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 3.4e38)
        issues.push({
          path: `x[${i}][${j}]`,
          message: `row ${i + 1}, column ${j}: ${JSON.stringify(v)} is not a finite number`,
        });
      else values[i * features + j] = v;
    }
  }
  // Integers (token ids, counts) are stored as int32, as NumPy and PyTorch would type them.
  // Checked on the JSON numbers themselves: float32 rounds 0.9999999999 to an integer.
  let intX = true;
  for (let i = 0; i < rows && intX; i++)
    intX = (x as number[][])[i].every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31);
  const allNumbers = targets.every((t) => typeof t === 'number');
  const allStrings = targets.every((t) => typeof t === 'string' && t !== '');
  if (!allNumbers && !allStrings)
    issues.push({
      path: 'y',
      message: 'targets must be all numbers or all non-empty strings (class labels)',
    });
  if (allNumbers) {
    const bad = targets.findIndex((t) => !Number.isFinite(t as number) || Math.abs(t as number) > 3.4e38);
    if (bad >= 0)
      issues.push({ path: `y[${bad}]`, message: `row ${bad + 1}: the target is not a finite number` });
  }
  if (issues.length > 0) fail();
  const base = {
    rows,
    features,
    featureNames: Array.from({ length: features }, (_, j) => `x${j}`),
    ...(intX
      ? { x: intValues(x as number[][], rows, features), dtype: 'int32' as const }
      : { x: values, dtype: 'float32' as const }),
    targetName: 'y',
  };
  if (allStrings) {
    const labels = [...new Set(targets as string[])].sort();
    const index = new Map(labels.map((l, i) => [l, i]));
    return {
      ...base,
      targetKind: 'class',
      y: Int32Array.from(targets as string[], (t) => index.get(t)!),
      labels,
    };
  }
  const numbers = targets as number[];
  const integral = numbers.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31);
  return integral
    ? { ...base, targetKind: 'class', y: Int32Array.from(numbers) }
    : { ...base, targetKind: 'float', y: Float32Array.from(numbers) };
}

/** x's values as int32, exact (float32 would round integers beyond 2^24). */
function intValues(x: number[][], rows: number, features: number): Int32Array {
  const out = new Int32Array(rows * features);
  for (let i = 0; i < rows; i++) for (let j = 0; j < features; j++) out[i * features + j] = x[i][j];
  return out;
}

export class DatasetService {
  constructor(
    private readonly store: DatasetStore,
    readonly limits: DatasetLimits,
  ) {}

  private checkDeclaredSize(options: UploadOptions): void {
    if (options.contentLength !== undefined && options.contentLength > this.limits.maxBytes)
      throw new UploadTooLargeError(this.limits.maxBytes);
  }

  /** Parses CSV text as it streams in; errors name the row and column. */
  async uploadCsv(body: AsyncIterable<Buffer | string>, options: UploadOptions): Promise<DatasetResource> {
    this.checkDeclaredSize(options);
    const parser = new CsvDatasetParser({
      target: options.target,
      maxRows: this.limits.maxRows,
      maxFeatures: this.limits.maxFeatures,
    });
    const decoder = new TextDecoder('utf-8');
    let dataset: Dataset;
    try {
      for await (const chunk of limited(body, this.limits.maxBytes))
        parser.push(decoder.decode(chunk, { stream: true }));
      parser.push(decoder.decode());
      dataset = parser.end();
    } catch (err) {
      if (err instanceof DatasetError) throw invalid(err);
      throw err;
    }
    return this.save(dataset, 'csv', options);
  }

  /** A JSON `{x, y}` body, read up to the limit and then parsed. */
  async uploadJson(body: AsyncIterable<Buffer | string>, options: UploadOptions): Promise<DatasetResource> {
    this.checkDeclaredSize(options);
    const chunks: Buffer[] = [];
    for await (const chunk of limited(body, this.limits.maxBytes)) chunks.push(chunk);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      const message = `the body is not valid JSON: ${(err as Error).message}`;
      throw new InvalidDatasetError(message, [{ path: 'body', message }]);
    }
    return this.save(datasetFromJson(parsed, this.limits), 'json', options);
  }

  /**
   * x and then y, as IDX files (`idx`: either format, told by magic) or .npy files (`npy`), back
   * to back in one body, gzipped or not; decoded as the bytes arrive.
   */
  async uploadBinary(
    body: AsyncIterable<Buffer | string>,
    format: BinaryFormat,
    options: UploadOptions,
  ): Promise<DatasetResource> {
    this.checkDeclaredSize(options);
    const { maxBytes, maxRows, maxFeatures } = this.limits;
    const parser = new BinaryDatasetParser({ format, maxRows, maxFeatures, maxBytes });
    let dataset: Dataset;
    try {
      for await (const chunk of gunzipped(limited(body, maxBytes), maxBytes)) parser.push(chunk);
      dataset = parser.end();
    } catch (err) {
      if (err instanceof BinaryDatasetError)
        throw new InvalidDatasetError(err.message, [{ path: err.path, message: err.message }]);
      if (err instanceof DeclaredTooLargeError) throw new UploadTooLargeError(maxBytes, err.message);
      throw err;
    }
    return this.save(dataset, format, options);
  }

  private async save(
    dataset: Dataset,
    format: 'csv' | 'json' | BinaryFormat,
    options: UploadOptions,
  ): Promise<DatasetResource> {
    const id = newDatasetId();
    await this.store.create(
      {
        id,
        ...(options.name === undefined ? {} : { name: options.name }),
        owner: options.owner,
        format,
        created_at: new Date().toISOString(),
        summary: JSON.stringify(summarize(dataset)),
      },
      dataset,
    );
    return this.get(options.owner, id);
  }

  async get(tenant: string, id: string): Promise<DatasetResource> {
    const dataset = await this.store.get(tenant, id);
    if (dataset === null) throw new DatasetNotFoundError(id);
    return dataset;
  }

  list(tenant: string, options: { limit: number; cursor?: string }) {
    return this.store.list(tenant, options);
  }

  async delete(tenant: string, id: string): Promise<void> {
    const outcome = await this.store.delete(tenant, id);
    if (outcome.type === 'not_found') throw new DatasetNotFoundError(id);
    if (outcome.type === 'in_use') throw new DatasetInUseError(id, outcome.jobs);
  }
}
