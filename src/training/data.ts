/**
 * Training data checks and conversion. `checkRunData` finds every problem with a job's x/y
 * against its spec before anything runs (shapes through the model, targets valid for the loss);
 * `toTensors` turns checked JSON arrays, or x packed as float32 bytes (`PackedData`), into tensors.
 */
import { formatPath, SpecError, type SpecIssue } from '../engine/errors.js';
import { checkModelShapes, inputLayers, type ModelStep } from '../engine/nn/model-spec.js';
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
import { applyNormalization, fitStandard, type Normalization, normalizesPerChannel } from './normalize.js';
import { checkNested, flattenNested, probeShape, unravel } from './sample-shape.js';
import type { RunSpec } from './spec.js';
import { splitIndices } from './split.js';
import { lossTargets, type TargetRule } from './targets.js';
import { tokenIdIssues } from './token-ids.js';

export interface RawData {
  x: unknown;
  y: unknown;
}

/**
 * Inline samples as a job's stored input holds them: x as float32 bytes in base64 (the values
 * training reads, so nothing is lost; the machine's byte order, little-endian wherever the service
 * runs, as for uploaded datasets), y as given. JSON text of the same x is about 4× larger, and
 * writing it cost the API about 86 µs per 1,000 numbers against 7 µs for the bytes.
 */
export interface PackedData {
  x_float32: string;
  /** Samples × the per-sample shape: `[N, F]` for rows, `[N, C, H, W]` for images. */
  x_shape: number[];
  y: unknown;
}

export function isPackedData(data: unknown): data is PackedData {
  return typeof data === 'object' && data !== null && typeof (data as PackedData).x_float32 === 'string';
}

/** Packs inline data whose x has passed `checkRunData` (an (N, ...) array of numbers). */
export function packData(data: RawData): PackedData {
  const shape = probeShape(data.x);
  const x = flattenNested(data.x, numel(shape));
  return { x_float32: Buffer.from(x.buffer).toString('base64'), x_shape: shape, y: data.y };
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
  /** x's values, for packed data. */
  xValues: Float32Array | null;
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
  // `path` grows and shrinks in place while walking (no array per element); the value found copies it.
  if (typeof value === 'number')
    return Number.isFinite(value) && Math.abs(value) <= 3.4e38 ? null : [...path];
  for (let i = 0; i < value.length; i++) {
    path.push(i);
    const found = firstNonFinite(value[i], path);
    path.pop();
    if (found !== null) return found;
  }
  return null;
}

function check(spec: RunSpec, data: RawData | PackedData): Checked {
  const issues: SpecIssue[] = [];
  const isPacked = isPackedData(data);
  const packed = isPacked ? unpackX(data, issues) : null;
  let xShape: number[] | null = packed?.shape ?? null;
  if (!isPacked) {
    const nested = checkNested((data as RawData).x, ['data', 'x']);
    if (nested.issue !== null) issues.push(nested.issue);
    xShape = nested.shape;
  }
  const yShape = shapeOf(data.y, 'y', issues);
  const result: Checked = {
    issues,
    xShape: xShape ?? [],
    yShape: yShape ?? [],
    rule: null,
    xValues: packed?.values ?? null,
  };
  const badX = packed === null || xShape === null ? null : firstNonFiniteValue(packed.values, xShape);
  const badY = yShape === null ? null : firstNonFinite(data.y as NestedArray, ['data', 'y']);
  for (const bad of [badX, badY])
    if (bad !== null) issues.push({ path: bad, message: 'must be a finite float32 number' });
  if (xShape === null || yShape === null) return result;
  if (xShape.length < 2)
    issues.push({
      path: ['data', 'x'],
      message: `x must have a dimension for samples and at least one per sample ((N, features) or (N, C, H, W) ...), got shape ${shapeToString(xShape)}`,
    });
  if (xShape[0] === 0) issues.push({ path: ['data', 'x'], message: 'x has no samples' });
  if (yShape[0] !== xShape[0]) {
    issues.push({
      path: ['data', 'y'],
      message: `y has ${yShape[0]} entries but x has ${xShape[0]} samples`,
    });
  }
  if (issues.length > 0) return result;
  const rows = xShape[0];
  const sampleShape = xShape.slice(1);
  const size = numel(sampleShape);
  // Read only when the model starts with an Embedding (token ids); flattened then, once.
  let flat: Float32Array | null = packed?.values ?? null;
  const at = (i: number, k: number) => {
    flat ??= flattenNested((data as RawData).x, rows * size);
    return flat[i * size + k];
  };
  issues.push(...tokenIdIssues(inputLayers(spec.model), rows, sampleShape, at, ['data', 'x']));
  result.rule = checkAgainstSpec(spec, xShape, data.y as NestedArray, yShape, issues);
  return result;
}

/** x of packed data, or null (with an issue) when its bytes do not hold values of its shape. */
function unpackX(data: PackedData, issues: SpecIssue[]): { shape: number[]; values: Float32Array } | null {
  const shape = data.x_shape;
  const bytes = Buffer.from(data.x_float32, 'base64');
  if (
    !Array.isArray(shape) ||
    shape.length < 2 ||
    !shape.every((n) => Number.isSafeInteger(n) && n >= 0) ||
    bytes.byteLength !== numel(shape) * 4
  ) {
    issues.push({ path: ['data', 'x'], message: 'packed x does not hold float32 values of its x_shape' });
    return null;
  }
  // A copy into its own buffer: decoded bytes may sit at any offset of a pool.
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape: [...shape], values };
}

function firstNonFiniteValue(values: Float32Array, shape: readonly number[]): (string | number)[] | null {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) return ['data', 'x', ...unravel(i, shape)];
  return null;
}

/** Shapes through the model and targets for the loss; returns the target rule (null if the model is bad). */
function checkAgainstSpec(
  spec: RunSpec,
  xShape: readonly number[],
  y: NestedArray,
  yShape: readonly number[],
  issues: SpecIssue[],
): TargetRule | null {
  // Whatever the data's source: standardising would change the token ids an Embedding reads.
  if (inputLayers(spec.model)[0]?.type === 'Embedding' && spec.training.normalize === 'standard')
    issues.push({
      path: ['training', 'normalize'],
      message: "normalize 'standard' would change the token ids the Embedding (layer 0) reads; leave it off",
    });
  const shapes = checkModelShapes(spec.model, xShape.slice(1));
  for (const issue of shapes.issues) issues.push({ path: ['model', ...issue.path], message: issue.message });
  if (shapes.outputShape === null) return null;
  const rule = lossTargets(spec.loss, [xShape[0], ...shapes.outputShape]);
  issues.push(...rule.check(y, yShape));
  issues.push(...checkBatchNormBatches(shapes.steps, xShape[0], spec.training.batch_size));
  return rule;
}

/**
 * Checks a table of `rows` samples of `sampleShape` (finite float32 values, already checked where
 * it was stored; `[features]` for rows of a CSV) with one target per row against the spec; target
 * issues have paths `data.y[i]`.
 */
export function checkTableData(
  spec: RunSpec,
  rows: number,
  sampleShape: readonly number[],
  y: ArrayLike<number>,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  checkAgainstSpec(spec, [rows, ...sampleShape], Array.from(y), [rows], issues);
  return issues;
}

/** A dataset's arrays: row-major values, `uint8` ones to be scaled to [0, 1] as they are read, `int32` ones (token ids) taken as they are. */
export interface TableArrays {
  rows: number;
  features: number;
  /** Per sample; absent means `[features]`. */
  sampleShape?: number[];
  x: Float32Array | Uint8Array | Int32Array;
  y: ArrayLike<number>;
}

/** Float32 values of a table's x: uint8 pixels become value / 255, as torchvision's ToTensor does; int32 values stay. */
export function tableValues(x: Float32Array | Uint8Array | Int32Array): Float32Array {
  if (x instanceof Float32Array) return x;
  if (x instanceof Int32Array) return Float32Array.from(x);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] / 255;
  return out;
}

/** Tensors from a table (row-major values, one target per row), shaped for the loss. */
export function tableToTensors(spec: RunSpec, table: TableArrays): TrainingData {
  const issues: SpecIssue[] = [];
  const sampleShape = table.sampleShape ?? [table.features];
  const rule = checkAgainstSpec(
    spec,
    [table.rows, ...sampleShape],
    Array.from(table.y),
    [table.rows],
    issues,
  );
  // Stored tables are checked for token ids here, when the worker reads their values.
  const { features } = table;
  const values = tableValues(table.x);
  issues.push(
    ...tokenIdIssues(inputLayers(spec.model), table.rows, sampleShape, (i, k) => values[i * features + k], [
      'data',
      'x',
    ]),
  );
  if (issues.length > 0 || rule === null) throw new SpecError(issues);
  const x = new Tensor(values, [table.rows, ...sampleShape]);
  const y = new Tensor(Float32Array.from(table.y), rule.targetShape([table.rows]));
  return { x, y };
}

/**
 * BatchNorm in training mode needs more than one value per channel in every batch: a batch of B
 * gives B × (the input's values per sample and channel), e.g. B·H·W for BatchNorm2d.
 */
function checkBatchNormBatches(steps: readonly ModelStep[], samples: number, batchSize: number): SpecIssue[] {
  const lastBatch = samples % batchSize === 0 ? Math.min(batchSize, samples) : samples % batchSize;
  const smallest = Math.min(lastBatch, batchSize, samples);
  for (const step of steps) {
    const type = step.spec.type;
    if (type !== 'BatchNorm1d' && type !== 'BatchNorm2d') continue;
    const perChannel = numel(step.inputs[0].slice(1)); // per sample: all but the channel dimension
    if (smallest * perChannel > 1) continue;
    return [
      {
        path: ['training', 'batch_size'],
        message: `${type} (${step.path.length === 2 ? `layer ${step.path[1]}` : `model.${formatPath(step.path)}`}) needs more than one value per channel in every batch, but a batch of 1 occurs with ${samples} samples and batch_size ${batchSize}`,
      },
    ];
  }
  return [];
}

/** Every problem with `data` for `spec`, with paths rooted at the job (`data.y[3]`, `model.layers[0].in_features`). */
export function checkRunData(spec: RunSpec, data: RawData | PackedData): SpecIssue[] {
  return check(spec, data).issues;
}

/** Converts checked data to tensors, shaping targets the way the loss expects them. */
export function toTensors(spec: RunSpec, data: RawData | PackedData): TrainingData {
  const checked = check(spec, data);
  if (checked.issues.length > 0) throw new RangeError(checked.issues.map((i) => i.message).join('; '));
  const x =
    checked.xValues === null
      ? tensor((data as RawData).x as NestedArray)
      : new Tensor(checked.xValues, checked.xShape);
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
  const normalization = fitStandard(train.x, normalizesPerChannel(inputLayers(spec.model), train.x));
  const normalize = (d: TrainingData): TrainingData => ({
    x: applyNormalization(d.x, normalization),
    y: d.y,
  });
  return { train: normalize(train), validation: val === null ? null : normalize(val), normalization };
}
