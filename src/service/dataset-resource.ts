/**
 * The dataset resource the API returns, and the record stored in Redis (a hash of strings next
 * to the binary feature and target arrays).
 */
import { z } from 'zod';
import { type DatasetSummary, STORED_DTYPES, xEncoding } from '../datasets/dataset.js';

export const featureStatsSchema = z.object({
  name: z.string(),
  mean: z.number(),
  std: z.number().describe('Population standard deviation.'),
  min: z.number(),
  max: z.number(),
});

export const datasetTargetSchema = z
  .object({
    name: z.string().describe('The target column (CSV) or `y` (JSON, IDX, .npy).'),
    kind: z
      .enum(['class', 'float'])
      .describe('`class`: integer class indices (Int32); `float`: real values.'),
    classes: z.number().int().optional().describe('Number of classes (class targets).'),
    labels: z
      .array(z.string())
      .optional()
      .describe('Label names by class index, when the target held strings (sorted by name).'),
  })
  .describe('The target column.');

export const datasetXSchema = z
  .object({
    dtype: z
      .enum(STORED_DTYPES)
      .describe(
        'How x is stored: `float32` (CSV, JSON with fractions, float32/float64 arrays); `uint8` (uint8 IDX or .npy images: 1 byte per value, scaled to [0, 1] when read); `int32` (integers: JSON integers, int64/int32/... arrays, e.g. token ids).',
      ),
    source_dtype: z
      .string()
      .nullable()
      .describe(
        'The uploaded array’s dtype as its file declared it: NumPy’s descr (`<i8`, `|u1`) or the IDX type (`uint8`); null for CSV and JSON.',
      ),
    scale: z
      .number()
      .describe(
        'Jobs read each stored value times this: 1/255 for `uint8` (pixels to [0, 1], as torchvision’s ToTensor), 1 otherwise.',
      ),
    note: z.string().describe('The same, in words.'),
  })
  .describe('How the features (x) are stored and read by jobs.');

export const datasetSchema = z
  .object({
    id: z.string().describe('Dataset id; ids sort by creation time.'),
    name: z.string().nullable(),
    format: z.enum(['csv', 'json', 'idx', 'npy']).describe('How it was uploaded.'),
    created_at: z.iso.datetime(),
    rows: z.number().int(),
    features: z.number().int().describe('Values per sample (the product of sample_shape).'),
    sample_shape: z
      .array(z.number().int())
      .describe('One sample’s shape: [features] for tables, e.g. [1, 28, 28] for grayscale images.'),
    x: datasetXSchema,
    target: datasetTargetSchema,
    feature_stats: z.array(featureStatsSchema).describe('Per-feature statistics, in column order.'),
    size_bytes: z
      .number()
      .int()
      .describe('Bytes stored: the features (4 per value, 1 for uint8) plus Int32/Float32 targets.'),
  })
  .describe('An uploaded dataset (metadata; the data itself is stored in binary).');
export type DatasetResource = z.output<typeof datasetSchema>;

export const datasetListSchema = z
  .object({
    data: z.array(datasetSchema),
    next_cursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
  })
  .describe('A page of datasets, newest first.');

export const datasetUploadQuerySchema = z.object({
  target: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'CSV only: the label column (default: the last column). IDX and .npy uploads carry the labels as a second file after x.',
    ),
  name: z.string().min(1).max(200).optional().describe('A label for the dataset.'),
});

export const datasetJsonUploadSchema = z
  .strictObject({
    x: z.array(z.array(z.number())).min(1).describe('Features, rows × features.'),
    y: z
      .array(z.union([z.number(), z.string()]))
      .min(1)
      .describe('One target per row: class indices, real values, or label strings (become class indices).'),
  })
  .describe('A dataset as JSON (`application/json`).');

export const datasetCsvUploadSchema = z
  .string()
  .describe(
    'A dataset as CSV (`text/csv`): a header row, numeric features, the target column named by `?target=` (default: the last).',
  );

export const datasetArraysUploadSchema = z
  .string()
  .describe(
    'A dataset as arrays: x (N, ...) and then y (N,), two files back to back in one body (`cat x y`), gzipped or not. As `application/octet-stream`: IDX files (MNIST’s format, e.g. `train-images-idx3-ubyte` then `train-labels-idx1-ubyte`) or .npy files, told apart by their magic. As `application/x-npy`: .npy files only (`np.save`, versions 1.0–3.0; float32/float64, uint8 and other integer dtypes, either byte order).',
  );

/** Hash fields of a dataset record; every value a string. */
export interface DatasetRecordFields {
  id: string;
  name?: string;
  owner: string;
  format: string;
  created_at: string;
  /** JSON of DatasetSummary. */
  summary: string;
}

export function datasetFromFields(fields: Record<string, string>): DatasetResource {
  const summary = JSON.parse(fields.summary) as DatasetSummary;
  return datasetSchema.parse({
    id: fields.id,
    name: fields.name ?? null,
    format: fields.format,
    created_at: fields.created_at,
    rows: summary.rows,
    features: summary.features,
    sample_shape: summary.sample_shape ?? [summary.features],
    x: summary.x ?? xEncoding({}),
    target: summary.target,
    feature_stats: summary.feature_stats,
    size_bytes: summary.size_bytes,
  });
}
