/**
 * Where a job's data comes from besides inline arrays: an uploaded dataset (`dataset_id`), a
 * built-in one (`builtin`), or a seeded synthetic generator (`synthetic`); and an optional
 * validation dataset. These are checked against the spec before a job is stored, from metadata
 * and targets only (never the features): the width through the model, the target kind and
 * classes against the loss.
 */
import { z } from 'zod';
import { BUILTIN_DATASETS, type BuiltinName, loadBuiltin } from '../datasets/builtin.js';
import { classCount, type StoredDtype } from '../datasets/dataset.js';
import {
  FASHION_MNIST_LABELS,
  FASHION_MNIST_SAMPLE_SHAPE,
  FASHION_MNIST_SPLITS,
  type FashionMnistSplit,
  fashionMnistLabels,
} from '../datasets/fashion-mnist.js';
import { type SyntheticSpec, syntheticSpecSchema } from '../datasets/synthetic.js';
import type { SpecIssue } from '../engine/errors.js';
import { inputLayers } from '../engine/nn/model-spec.js';
import { checkTableData } from '../training/data.js';
import type { RunSpec } from '../training/spec.js';
import { DATASET_ID_PATTERN } from './ids.js';

export const datasetSourceSchema = z
  .strictObject({
    dataset_id: z.string().regex(DATASET_ID_PATTERN).describe('An uploaded dataset (`POST /v1/datasets`).'),
  })
  .describe('Train on an uploaded dataset.');
const builtinFields = {
  builtin: z
    .enum([...BUILTIN_DATASETS, 'fashion-mnist'])
    .describe(
      'A built-in dataset: UCI Iris, digits and wine (shipped), or Fashion-MNIST (28×28 grey images, 10 classes, from Debian’s dataset-fashion-mnist; pixels scaled to [0, 1]).',
    ),
  split: z
    .enum(FASHION_MNIST_SPLITS)
    .optional()
    .describe('Fashion-MNIST only: its 60,000 `train` images (the default) or its 10,000 `test` images.'),
};
const splitOnlyForFashionMnist = (source: { builtin: string; split?: string }, ctx: z.RefinementCtx) => {
  if (source.split !== undefined && source.builtin !== 'fashion-mnist')
    ctx.addIssue({
      code: 'custom',
      path: ['split'],
      message: `'${source.builtin}' has one split; split is for 'fashion-mnist' (use training.validation_split to hold data out)`,
    });
};
export const builtinSourceSchema = z
  .strictObject(builtinFields)
  .superRefine(splitOnlyForFashionMnist)
  .describe('Train on a built-in dataset.');
export const syntheticSourceSchema = z
  .strictObject({ synthetic: syntheticSpecSchema })
  .describe('Train on generated data (deterministic for its seed).');
export const validationSourceSchema = z
  .union([
    z.strictObject({
      dataset_id: z
        .string()
        .regex(DATASET_ID_PATTERN)
        .describe('An uploaded dataset with the training data’s sample shape.'),
    }),
    z
      .strictObject(builtinFields)
      .superRefine(splitOnlyForFashionMnist)
      .describe('A built-in dataset, e.g. `{"builtin": "fashion-mnist", "split": "test"}`.'),
  ])
  .describe('An explicit validation set, instead of `training.validation_split`.');

export type DatasetSource = z.output<typeof datasetSourceSchema>;
export type BuiltinSource = z.output<typeof builtinSourceSchema>;
export type DataSource = DatasetSource | BuiltinSource | z.output<typeof syntheticSourceSchema>;
export type ValidationSource = z.output<typeof validationSourceSchema>;

const SOURCE_KEYS = ['dataset_id', 'builtin', 'synthetic'] as const;

/** Whether a `data` object names a source rather than holding arrays. */
export function isSourceRef(data: object): boolean {
  return SOURCE_KEYS.some((k) => k in data);
}

/** What the checks need to know of a table: its size, target kind and targets (no features). */
export interface TableShape {
  /** How messages call it: `dataset ds_…`, `builtin 'iris'`. */
  label: string;
  rows: number;
  features: number;
  /** One sample's shape (`[1, 28, 28]`); absent means `[features]`. */
  sampleShape?: number[];
  kind: 'class' | 'float';
  /** The targets, or a stand-in with every class (synthetic data before it is generated). */
  y: ArrayLike<number>;
  classes?: number;
  /** How an uploaded dataset's x is stored, and the least and greatest value jobs read. */
  x?: { dtype: StoredDtype; min: number; max: number };
}

/** Fashion-MNIST's split (train unless the source says test). */
export function fashionMnistSplit(source: { split?: FashionMnistSplit }): FashionMnistSplit {
  return source.split ?? 'train';
}

/**
 * A built-in dataset's shape and targets (Fashion-MNIST's from its labels file alone, read from
 * `fashionMnistDir`); throws FashionMnistMissingError when those files are not installed.
 */
export function builtinShape(source: BuiltinSource, fashionMnistDir: string): TableShape {
  if (source.builtin === 'fashion-mnist') {
    const split = fashionMnistSplit(source);
    const y = fashionMnistLabels(fashionMnistDir, split);
    return {
      label: `builtin 'fashion-mnist' (${split})`,
      rows: y.length,
      features: 784,
      sampleShape: FASHION_MNIST_SAMPLE_SHAPE,
      kind: 'class',
      y,
      classes: FASHION_MNIST_LABELS.length,
    };
  }
  const name: BuiltinName = source.builtin;
  const d = loadBuiltin(name);
  return {
    label: `builtin '${name}'`,
    rows: d.rows,
    features: d.features,
    kind: d.targetKind,
    y: d.y,
    classes: classCount(d),
  };
}

/** The shape of generated data, known from its spec without generating it. */
export function syntheticShape(spec: SyntheticSpec): TableShape {
  const label = `synthetic '${spec.type}'`;
  const n = spec.n_samples;
  const classTable = (features: number, classes: number): TableShape => ({
    label,
    rows: n,
    features,
    kind: 'class',
    y: Int32Array.from({ length: n }, (_, i) => i % classes),
    classes,
  });
  switch (spec.type) {
    case 'moons':
    case 'circles':
      return classTable(2, 2);
    case 'blobs':
      return classTable(spec.n_features, spec.centers);
    case 'spirals':
      return classTable(2, spec.classes);
    case 'regression':
      return { label, rows: n, features: spec.n_features, kind: 'float', y: new Float32Array(n) };
    case 'parity':
      return classTable(spec.seq_len, 2);
    case 'sine':
      return { label, rows: n, features: spec.seq_len, kind: 'float', y: new Float32Array(n) };
  }
}

/**
 * An uploaded dataset read by a model that starts with an Embedding, checked from its metadata
 * before the job is queued: its x must hold integers (int32; not uint8 images, which are scaled
 * to [0, 1]) within [0, num_embeddings). Float32 datasets are checked by their range here and
 * value by value where the worker reads them.
 */
function tokenIdRangeIssues(spec: RunSpec, table: TableShape, root: (string | number)[]): SpecIssue[] {
  const first = inputLayers(spec.model)[0];
  if (first?.type !== 'Embedding' || table.x === undefined) return [];
  const n = first.num_embeddings;
  const layer = `layer 0 is Embedding(${n}, ${first.embedding_dim})`;
  const { dtype, min, max } = table.x;
  if (dtype === 'uint8')
    return [
      {
        path: root,
        message: `${table.label} holds uint8 values, scaled to [0, 1] when read (images); ${layer} and reads token ids: upload them as int32 or int64 (x.astype(np.int64))`,
      },
    ];
  if (min < 0 || max >= n)
    return [
      {
        path: root,
        message: `${table.label} holds values in [${min}, ${max}]; ${layer}: x holds token ids, integers in [0, ${n})`,
      },
    ];
  return [];
}

const CLASS_INDEX_LOSSES = new Set(['CrossEntropyLoss', 'NLLLoss']);

/**
 * Problems with training (or validating) on `table`: shapes through the model keep their own paths
 * (`model.layers[0].in_features`); target problems are reported once, at `root`.
 */
export function checkTable(spec: RunSpec, table: TableShape, root: (string | number)[]): SpecIssue[] {
  const lossType = (spec.loss as { type: string }).type;
  if (table.kind === 'float' && CLASS_INDEX_LOSSES.has(lossType)) {
    return [
      {
        path: root,
        message: `${table.label} has real-valued targets; ${lossType} needs class indices (use a regression loss such as MSELoss)`,
      },
    ];
  }
  const issues: SpecIssue[] = tokenIdRangeIssues(spec, table, root);
  let targetIssue: SpecIssue | null = null;
  for (const issue of checkTableData(spec, table.rows, table.sampleShape ?? [table.features], table.y)) {
    if (issue.path[0] === 'data' && issue.path[1] === 'y') targetIssue ??= issue;
    else issues.push(issue);
  }
  if (targetIssue !== null) {
    const row = typeof targetIssue.path[2] === 'number' ? ` (row ${targetIssue.path[2] + 1})` : '';
    const classes = table.classes === undefined ? '' : ` with ${table.classes} classes`;
    issues.push({
      path: root,
      message: `${table.label}${classes} does not fit the model and loss${row}: ${targetIssue.message}`,
    });
  }
  return issues;
}
