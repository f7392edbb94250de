/**
 * Incremental CSV parsing into a Dataset: text arrives in chunks (a streamed upload), is split
 * into lines as it comes, and each row is checked at once, so an error names its row and column
 * and nothing but the parsed numbers is kept. Quoted fields (RFC 4180) are supported; features
 * must be numeric; the target column may hold numbers or strings (strings become class indices,
 * sorted by name).
 */
import type { Dataset } from './dataset.js';

export class DatasetError extends Error {
  readonly code = 'invalid_dataset';

  constructor(
    message: string,
    readonly location: { row?: number; column?: string } = {},
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface CsvOptions {
  /** The target column's name; the last column when omitted. */
  target?: string;
  /** Refuse more rows than this. */
  maxRows?: number;
  /** Refuse more feature columns than this. */
  maxFeatures?: number;
}

/** Splits one CSV line into fields, honouring double quotes. */
function splitLine(line: string, row: number): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw new DatasetError(`row ${row}: unterminated quoted field`, { row });
  out.push(field);
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export class CsvDatasetParser {
  private pending = '';
  private header: string[] | null = null;
  private targetIndex = -1;
  private row = 0; // 1-based data row number of the last row read
  private readonly x: number[] = [];
  private readonly rawTargets: string[] = [];

  constructor(private readonly options: CsvOptions = {}) {}

  push(chunk: string): void {
    this.pending += chunk;
    let nl = this.pending.indexOf('\n');
    while (nl >= 0) {
      this.line(this.pending.slice(0, nl));
      this.pending = this.pending.slice(nl + 1);
      nl = this.pending.indexOf('\n');
    }
  }

  end(): Dataset {
    if (this.pending.length > 0) this.line(this.pending);
    this.pending = '';
    if (this.header === null)
      throw new DatasetError('the file is empty: expected a header row and data rows');
    if (this.row === 0) throw new DatasetError('the file has a header row but no data rows');
    return this.build();
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    if (this.header === null) {
      this.readHeader(line);
      return;
    }
    this.row++;
    const row = this.row;
    if (this.options.maxRows !== undefined && row > this.options.maxRows) {
      throw new DatasetError(`the dataset has more than ${this.options.maxRows} rows (the limit)`, { row });
    }
    const fields = splitLine(line, row);
    if (fields.length !== this.header.length) {
      throw new DatasetError(`row ${row}: expected ${this.header.length} columns, found ${fields.length}`, {
        row,
      });
    }
    for (let j = 0; j < fields.length; j++) {
      const cell = fields[j].trim();
      if (j === this.targetIndex) {
        if (cell === '')
          throw new DatasetError(`row ${row}, column '${this.header[j]}': the target is empty`, {
            row,
            column: this.header[j],
          });
        this.rawTargets.push(cell);
        continue;
      }
      const value = NUMBER.test(cell) ? Number(cell) : Number.NaN;
      if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) {
        throw new DatasetError(
          `row ${row}, column '${this.header[j]}': '${cell.slice(0, 40)}' is not a finite number`,
          {
            row,
            column: this.header[j],
          },
        );
      }
      this.x.push(value);
    }
  }

  private readHeader(line: string): void {
    const header = splitLine(line, 0).map((h) => h.trim());
    const seen = new Set<string>();
    for (const [j, name] of header.entries()) {
      if (name === '') throw new DatasetError(`header: column ${j + 1} has no name`, { row: 0 });
      if (seen.has(name))
        throw new DatasetError(`header: column '${name}' appears twice`, { row: 0, column: name });
      seen.add(name);
    }
    if (header.length < 2)
      throw new DatasetError('header: need at least one feature column and a target column', { row: 0 });
    const target = this.options.target ?? header[header.length - 1];
    this.targetIndex = header.indexOf(target);
    if (this.targetIndex < 0) {
      throw new DatasetError(
        `target column '${target}' is not in the header (columns: ${header.join(', ')})`,
        { column: target },
      );
    }
    if (this.options.maxFeatures !== undefined && header.length - 1 > this.options.maxFeatures) {
      throw new DatasetError(
        `the dataset has ${header.length - 1} feature columns; the limit is ${this.options.maxFeatures}`,
      );
    }
    this.header = header;
  }

  private build(): Dataset {
    const header = this.header!;
    const featureNames = header.filter((_, j) => j !== this.targetIndex);
    const numeric = this.rawTargets.every((t) => NUMBER.test(t) && Math.abs(Number(t)) <= 3.4e38);
    const base = {
      rows: this.row,
      features: featureNames.length,
      featureNames,
      x: Float32Array.from(this.x),
      targetName: header[this.targetIndex],
    };
    if (!numeric) {
      const labels = [...new Set(this.rawTargets)].sort();
      const index = new Map(labels.map((l, i) => [l, i]));
      return {
        ...base,
        targetKind: 'class',
        y: Int32Array.from(this.rawTargets, (t) => index.get(t)!),
        labels,
      };
    }
    const values = this.rawTargets.map(Number);
    const integral = values.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 31);
    return integral
      ? { ...base, targetKind: 'class', y: Int32Array.from(values) }
      : { ...base, targetKind: 'float', y: Float32Array.from(values) };
  }
}

/** Parses a whole CSV text. */
export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const parser = new CsvDatasetParser(options);
  parser.push(text);
  return parser.end();
}
