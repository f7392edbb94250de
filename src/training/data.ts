/**
 * Training data checks and conversion. `checkRunData` finds every problem with a job's x/y
 * against its spec before anything runs (shapes through the model, targets valid for the loss);
 * `toTensors` turns checked JSON arrays into tensors.
 */
import { SpecError, type SpecIssue } from '../engine/errors.js';
import type { LayerSpec } from '../engine/nn/registry.js';
import { checkLayerShapes } from '../engine/nn/shape-check.js';
import { indexRows } from '../engine/ops/shape.js';
import {
  inferShape,
  type NestedArray,
  noGrad,
  numel,
  shapeToString,
  Tensor,
  tensor,
} from '../engine/tensor.js';
import { applyNormalization, fitStandard, type Normalization } from './normalize.js';
import type { RunSpec } from './spec.js';
import { splitIndices } from './split.js';
import { lossTargets, type TargetRule } from './targets.js';

export interface RawData {
  x: unknown;
  y: unknown;
}

export interface TrainingData {
  x: Tensor;
  y: Tensor;
}

/** Training data after the split and normalisation a spec asks for. */
export interface PreparedData {
  train: TrainingData;
  validation: TrainingData | null;
  normalization: Normalization | null;
}

interface Checked {
  issues: SpecIssue[];
  xShape: number[];
  yShape: number[];
  rule: TargetRule | null;
}

function shapeOf(value: unknown, field: 'x' | 'y', issues: SpecIssue[]): number[] | null {
  if (!Array.isArray(value)) {
    issues.push({ path: ['data', field], message: `${field} must be an array` });
    return null;
  }
  try {
    return inferShape(value as NestedArray, field);
  } catch (err) {
    issues.push({ path: ['data', field], message: (err as Error).message });
    return null;
  }
}

/** The first non-finite value of a nested array, with its path (NaN/Infinity can't come from JSON, but can from code). */
function firstNonFinite(value: NestedArray, path: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'number') return Number.isFinite(value) && Math.abs(value) <= 3.4e38 ? null : path;
  // `path` is extended in place while walking (no array per element) and copied once a value is found.
  for (let i = 0; i < value.length; i++) {
    path.push(i);
    const found = firstNonFinite(value[i], path);
    if (found !== null) return found === path ? [...path] : found;
    path.pop();
  }
  return null;
}

function check(spec: RunSpec, data: RawData): Checked {
  const issues: SpecIssue[] = [];
  const xShape = shapeOf(data.x, 'x', issues);
  const yShape = shapeOf(data.y, 'y', issues);
  const result: Checked = { issues, xShape: xShape ?? [], yShape: yShape ?? [], rule: null };
  if (xShape === null || yShape === null) return result;
  for (const [field, value] of [
    ['x', data.x],
    ['y', data.y],
  ] as const) {
    const bad = firstNonFinite(value as NestedArray, ['data', field]);
    if (bad !== null) issues.push({ path: bad, message: 'must be a finite float32 number' });
  }
  if (xShape.length < 2)
    issues.push({
      path: ['data', 'x'],
      message: `x must be a 2-D array (samples × features), got shape ${shapeToString(xShape)}`,
    });
  if (xShape[0] === 0) issues.push({ path: ['data', 'x'], message: 'x has no samples' });
  if (yShape[0] !== xShape[0]) {
    issues.push({
      path: ['data', 'y'],
      message: `y has ${yShape[0]} entries but x has ${xShape[0]} samples`,
    });
  }
  if (issues.length > 0) return result;
  result.rule = checkAgainstSpec(spec, xShape, data.y as NestedArray, yShape, issues);
  return result;
}

/** Shapes through the model and targets for the loss; returns the target rule (null if the model is bad). */
function checkAgainstSpec(
  spec: RunSpec,
  xShape: readonly number[],
  y: NestedArray,
  yShape: readonly number[],
  issues: SpecIssue[],
): TargetRule | null {
  const shapes = checkLayerShapes(spec.model.layers, xShape.slice(1));
  for (const issue of shapes.issues) issues.push({ path: ['model', ...issue.path], message: issue.message });
  if (shapes.outputShape === null) return null;
  const rule = lossTargets(spec.loss, [xShape[0], ...shapes.outputShape]);
  issues.push(...rule.check(y, yShape));
  issues.push(...checkBatchNormBatches(spec.model.layers, xShape[0], spec.training.batch_size));
  return rule;
}

/**
 * Checks a table of `rows` × `features` (finite float32 features, already checked where it was
 * stored) with one target per row against the spec; target issues have paths `data.y[i]`.
 */
export function checkTableData(
  spec: RunSpec,
  rows: number,
  features: number,
  y: ArrayLike<number>,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  checkAgainstSpec(spec, [rows, features], Array.from(y), [rows], issues);
  return issues;
}

/** Tensors from a table (row-major float32 features, one target per row), shaped for the loss. */
export function tableToTensors(
  spec: RunSpec,
  table: { rows: number; features: number; x: Float32Array; y: ArrayLike<number> },
): TrainingData {
  const issues: SpecIssue[] = [];
  const rule = checkAgainstSpec(
    spec,
    [table.rows, table.features],
    Array.from(table.y),
    [table.rows],
    issues,
  );
  if (issues.length > 0 || rule === null) throw new SpecError(issues);
  const x = new Tensor(table.x, [table.rows, table.features]);
  const y = new Tensor(Float32Array.from(table.y), rule.targetShape([table.rows]));
  return { x, y };
}

/** BatchNorm in training mode needs more than one value per channel in every batch. */
function checkBatchNormBatches(
  layers: readonly LayerSpec[],
  samples: number,
  batchSize: number,
): SpecIssue[] {
  const bn = layers.findIndex((l) => l.type === 'BatchNorm1d');
  if (bn < 0) return [];
  const lastBatch = samples % batchSize === 0 ? Math.min(batchSize, samples) : samples % batchSize;
  if (Math.min(lastBatch, batchSize, samples) > 1) return [];
  return [
    {
      path: ['training', 'batch_size'],
      message: `BatchNorm1d (layer ${bn}) needs more than one sample per batch, but a batch of 1 occurs with ${samples} samples and batch_size ${batchSize}`,
    },
  ];
}

/** Every problem with `data` for `spec`, with paths rooted at the job (`data.y[3]`, `model.layers[0].in_features`). */
export function checkRunData(spec: RunSpec, data: RawData): SpecIssue[] {
  return check(spec, data).issues;
}

/** Converts checked data to tensors, shaping targets the way the loss expects them. */
export function toTensors(spec: RunSpec, data: RawData): TrainingData {
  const checked = check(spec, data);
  if (checked.issues.length > 0) throw new RangeError(checked.issues.map((i) => i.message).join('; '));
  const x = tensor(data.x as NestedArray);
  const yRaw = tensor(data.y as NestedArray);
  const shape = checked.rule!.targetShape(checked.yShape);
  const y = numel(shape) === yRaw.size ? tensor(yRaw.data, { shape }) : yRaw;
  return { x, y };
}

/** Labels to stratify a split by: class indices, or 0/1 labels of a single-output binary model. */
function strataOf(spec: RunSpec, y: Tensor): Float32Array | undefined {
  const type = (spec.loss as { type: string }).type;
  if ((type === 'CrossEntropyLoss' || type === 'NLLLoss') && y.ndim === 1) return y.data;
  if ((type === 'BCELoss' || type === 'BCEWithLogitsLoss') && y.size === y.shape[0])
    return y.data.map((v) => (v >= 0.5 ? 1 : 0));
  return undefined;
}

/**
 * Converts the job's data and applies `training.validation_split` (seeded, stratified for
 * classification) or an explicit validation set, then `training.normalize` with statistics of
 * the training split only.
 */
export function prepareData(spec: RunSpec, data: TrainingData, validation?: TrainingData): PreparedData {
  let train = data;
  let val: TrainingData | null = validation ?? null;
  const fraction = spec.training.validation_split;
  if (val === null && fraction !== undefined) {
    const split = splitIndices(data.x.shape[0], fraction, spec.training.seed, strataOf(spec, data.y));
    noGrad(() => {
      train = { x: indexRows(data.x, split.train), y: indexRows(data.y, split.train) };
      val = { x: indexRows(data.x, split.validation), y: indexRows(data.y, split.validation) };
    });
  }
  if (spec.training.normalize !== 'standard') return { train, validation: val, normalization: null };
  const normalization = fitStandard(train.x);
  const normalize = (d: TrainingData): TrainingData => ({
    x: applyNormalization(d.x, normalization),
    y: d.y,
  });
  return { train: normalize(train), validation: val === null ? null : normalize(val), normalization };
}
