/**
 * The job a user submits: a run spec (model, loss, optimizer, scheduler, training options) plus
 * name, metadata, data and optional initial weights. `jobCreateSchema` documents the request
 * (OpenAPI, TypeScript types); `validateJobRequest` checks it completely (every bad field, with
 * its path) before anything is stored or enqueued, using the engine's own parsers so messages
 * match PyTorch's. The worker re-parses the stored input with `parseJobInput`.
 */
import { z } from 'zod';
import { decodeSafetensors } from '../artifacts/safetensors.js';
import { DEFAULT_FASHION_MNIST_DIR, FashionMnistMissingError } from '../datasets/fashion-mnist.js';
import type { SpecIssue } from '../engine/errors.js';
import { collectIssues, SpecError } from '../engine/errors.js';
import { lossRegistry } from '../engine/losses/registry.js';
import { buildAnyModel, parseAnyModelSpec } from '../engine/nn/model-spec.js';
import { Generator } from '../engine/random.js';
import { parseTyped, parseWith } from '../engine/spec-parse.js';
import { numel, tensor } from '../engine/tensor.js';
import { checkRunData, type PackedData, type RawData } from '../training/data.js';
import { probeShape } from '../training/sample-shape.js';
import { parseRunSpec, type RunSpec, runSpecSchema, trainingOptionsSchema } from '../training/spec.js';
import {
  type BuiltinSource,
  builtinShape,
  builtinSourceSchema,
  checkTable,
  type DataSource,
  datasetSourceSchema,
  isSourceRef,
  syntheticShape,
  syntheticSourceSchema,
  type TableShape,
  type ValidationSource,
  validationSourceSchema,
} from './data-sources.js';
import { JOB_ID_PATTERN } from './ids.js';

/** A number or arbitrarily nested arrays of numbers (a tensor in JSON). */
const nestedNumbers = z
  .union([z.number(), z.array(z.unknown())])
  .describe('A tensor as a number or nested arrays of numbers.');

export const jobNameSchema = z.string().min(1).max(200).describe('A label for the job.');
export const jobMetadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 32, 'at most 32 metadata keys')
  .describe('Free-form string labels, returned as given.');

export const inlineDataSchema = z
  .strictObject({
    x: z
      .array(nestedNumbers)
      .min(1)
      .describe(
        'Inputs as nested arrays (N, ...): samples × features, or (N, C, H, W) images, (N, C, L) signals, (N, L) token ids; every sample the same shape, finite float32 numbers.',
      ),
    y: z
      .array(z.union([z.number(), z.array(z.number())]))
      .min(1)
      .describe('Targets: class indices, or one row of values per sample, as the loss expects.'),
  })
  .describe('Training data given inline.');

export const jobDataSchema = z
  .union([inlineDataSchema, datasetSourceSchema, builtinSourceSchema, syntheticSourceSchema])
  .describe(
    'Training data: inline arrays, an uploaded dataset, a built-in dataset or a synthetic generator.',
  );

export const jobInitSchema = z
  .union([
    z.strictObject({
      state_dict: z
        .record(z.string(), nestedNumbers)
        .describe('Initial weights by nn.Sequential key ("0.weight"); every parameter and buffer.'),
    }),
    z.strictObject({
      from_job: z.string().regex(JOB_ID_PATTERN).describe('Warm start from this succeeded job’s weights.'),
    }),
    z.strictObject({
      safetensors_base64: z
        .string()
        .min(1)
        .describe('A safetensors file (e.g. from PyTorch’s `safetensors.torch.save_file`), base64-encoded.'),
    }),
  ])
  .describe('Initial weights instead of the seeded random init.');

export const jobCreateSchema = runSpecSchema
  .extend({
    name: jobNameSchema.optional(),
    metadata: jobMetadataSchema.optional(),
    data: jobDataSchema,
    validation: validationSourceSchema.optional(),
    init: jobInitSchema.optional(),
  })
  .describe('A training job: what to train, on what data, and how.');
export type JobCreateBody = z.input<typeof jobCreateSchema>;

export interface JobLimits {
  maxSamples: number;
  maxEpochs: number;
  /** FASHION_MNIST_DIR (Debian's path when absent). */
  fashionMnistDir?: string;
}

export type JobInit =
  | { state_dict: Record<string, unknown> }
  | { from_job: string }
  | { safetensors_base64: string; bytes: Buffer };

/** A job request that passed every check. */
export interface ValidJob {
  name: string | null;
  metadata: Record<string, string>;
  spec: RunSpec;
  /** Inline arrays, or where the data comes from. */
  data: RawData | DataSource;
  /** An explicit validation dataset. */
  validation: ValidationSource | null;
  init: JobInit | null;
  /** Rows and width of the training data (filled in from metadata for uploaded datasets). */
  samples: number;
  /** Values per sample (the product of `sampleShape`). */
  features: number;
  /** One sample's shape: `[features]` for rows, `[1, 28, 28]` for images. */
  sampleShape: number[];
  /** Rows of the validation dataset (filled in from its metadata). */
  validationSamples?: number;
  /** A built-in validation set's shape and targets, checked against the training data's by the service. */
  validationTable?: TableShape;
}

/** What is stored for the worker: the spec as submitted, the data and inline initial weights. */
export interface JobInput {
  spec: unknown;
  /** Inline samples are stored packed (older inputs hold x as arrays, and still run). */
  data: PackedData | RawData | DataSource;
  validation?: ValidationSource | null;
  init_state_dict: Record<string, unknown> | null;
}

const TOP_LEVEL = new Set([
  'name',
  'metadata',
  'model',
  'loss',
  'optimizer',
  'scheduler',
  'training',
  'data',
  'validation',
  'init',
]);

type Outcome = { ok: true; job: ValidJob } | { ok: false; issues: SpecIssue[] };

/** Checks a job request completely; returns every issue with its path from the request root. */
export function validateJobRequest(body: unknown, limits: JobLimits): Outcome {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ path: [], message: 'the request body must be a JSON object' }] };
  }
  const v = body as Record<string, unknown>;
  const issues: SpecIssue[] = [];
  for (const key of Object.keys(v)) {
    if (!TOP_LEVEL.has(key)) issues.push({ path: [key], message: `unrecognized key "${key}"` });
  }
  const name =
    v.name === undefined ? null : collectIssues(issues, () => parseWith(jobNameSchema, v.name, ['name']));
  const metadata =
    v.metadata === undefined
      ? {}
      : collectIssues(issues, () => parseWith(jobMetadataSchema, v.metadata, ['metadata']));
  const { name: _n, metadata: _m, data: _d, init: _i, validation: _v, ...specPart } = v;
  const spec = collectIssues(issues, () => parseRunSpec(specPart));

  const data = v.data as RawData | undefined;
  let samples = 0;
  let sampleShape: number[] = [];
  let source: DataSource | null = null;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    issues.push({
      path: ['data'],
      message:
        'data is required: {"x": [[...], ...], "y": [...]}, {"dataset_id": ...}, {"builtin": ...} or {"synthetic": {...}}',
    });
  } else if (isSourceRef(data)) {
    source = parseSource(data, issues);
    const shape =
      source === null || 'dataset_id' in source
        ? null
        : 'builtin' in source
          ? builtinTable(source, limits, ['data', 'builtin'], issues)
          : syntheticShape(source.synthetic);
    if (shape !== null) {
      samples = shape.rows;
      sampleShape = shape.sampleShape ?? [shape.features];
      if (samples > limits.maxSamples)
        issues.push({ path: ['data'], message: `at most ${limits.maxSamples} samples per job` });
      if (spec !== undefined) issues.push(...checkTable(spec, shape, ['data']));
    }
  } else {
    for (const key of Object.keys(data)) {
      if (key !== 'x' && key !== 'y')
        issues.push({ path: ['data', key], message: `unrecognized key "${key}"` });
    }
    if (Array.isArray(data.x)) {
      samples = data.x.length;
      sampleShape = probeShape(data.x).slice(1);
      if (samples > limits.maxSamples)
        issues.push({ path: ['data', 'x'], message: `at most ${limits.maxSamples} samples per job` });
    }
    const checkable = spec ?? partialSpec(v);
    if (checkable !== null) issues.push(...checkRunData(checkable, data));
    else issues.push(...dataShapeIssues(data));
  }
  if (spec !== undefined && spec.training.epochs > limits.maxEpochs)
    issues.push({ path: ['training', 'epochs'], message: `at most ${limits.maxEpochs} epochs per job` });
  const validation =
    v.validation === undefined || v.validation === null
      ? null
      : (collectIssues(issues, () => parseWith(validationSourceSchema, v.validation, ['validation'])) ??
        null);
  if (spec !== undefined)
    issues.push(...checkValidationOptions(spec, v.validation !== undefined && v.validation !== null));
  const validationTable =
    validation !== null && 'builtin' in validation
      ? (builtinTable(validation, limits, ['validation', 'builtin'], issues) ?? undefined)
      : undefined;

  const init = v.init === undefined || v.init === null ? null : parseInit(v.init, spec, issues);
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    job: {
      name: name ?? null,
      metadata: metadata ?? {},
      spec: spec!,
      data: source ?? (data as RawData),
      validation,
      init,
      samples,
      features: numel(sampleShape),
      sampleShape,
      ...(validationTable === undefined ? {} : { validationTable }),
    },
  };
}

/** A built-in dataset's shape, or an issue at `path` when its files are not installed. */
function builtinTable(
  source: BuiltinSource,
  limits: JobLimits,
  path: (string | number)[],
  issues: SpecIssue[],
): TableShape | null {
  try {
    return builtinShape(source, limits.fashionMnistDir ?? DEFAULT_FASHION_MNIST_DIR);
  } catch (e) {
    if (!(e instanceof FashionMnistMissingError)) throw e;
    issues.push({ path, message: e.message });
    return null;
  }
}

/** A `data` object naming a source; builtin and synthetic ones are checked against the spec here. */
function parseSource(data: object, issues: SpecIssue[]): DataSource | null {
  const schema =
    'dataset_id' in data
      ? datasetSourceSchema
      : 'builtin' in data
        ? builtinSourceSchema
        : syntheticSourceSchema;
  return collectIssues(issues, () => parseWith(schema, data, ['data'])) ?? null;
}

/** Validation needs a validation set; monitoring a `val_` metric needs one too. */
function checkValidationOptions(spec: RunSpec, explicitValidation: boolean): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const split = spec.training.validation_split !== undefined;
  if (explicitValidation && split)
    issues.push({
      path: ['training', 'validation_split'],
      message: 'give either training.validation_split or a validation set, not both',
    });
  const monitor = spec.training.early_stopping?.monitor;
  if (monitor?.startsWith('val_') && !explicitValidation && !split)
    issues.push({
      path: ['training', 'early_stopping', 'monitor'],
      message: `monitoring '${monitor}' needs validation data: set training.validation_split or validation`,
    });
  return issues;
}

/**
 * When another part of the spec is bad (say the optimizer), the model, loss and training options
 * may still be fine: check the data against them so every problem is reported at once.
 */
function partialSpec(v: Record<string, unknown>): RunSpec | null {
  try {
    const model = parseAnyModelSpec(v.model, ['model']);
    const loss = parseTyped(lossRegistry, v.loss, 'loss', ['loss']);
    const training = parseWith(trainingOptionsSchema, v.training, ['training']);
    return { model, loss, training } as RunSpec;
  } catch {
    return null;
  }
}

/** Without a valid spec, still report data that is not even a matrix. */
function dataShapeIssues(data: RawData): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!Array.isArray(data.x)) issues.push({ path: ['data', 'x'], message: 'x must be an array' });
  if (!Array.isArray(data.y)) issues.push({ path: ['data', 'y'], message: 'y must be an array' });
  return issues;
}

function parseInit(value: unknown, spec: RunSpec | undefined, issues: SpecIssue[]): JobInit | null {
  const parsed = jobInitSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      issues.push({
        path: ['init', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))],
        message: issue.message,
      });
    if (
      typeof value === 'object' &&
      value !== null &&
      !('state_dict' in value) &&
      !('from_job' in value) &&
      !('safetensors_base64' in value)
    )
      issues.push({
        path: ['init'],
        message:
          'init must be {"state_dict": {...}}, {"from_job": "<job id>"} or {"safetensors_base64": "<base64>"}',
      });
    return null;
  }
  const init = parsed.data;
  if ('safetensors_base64' in init) return parseSafetensorsInit(init.safetensors_base64, spec, issues);
  if ('state_dict' in init && spec !== undefined) {
    const own: SpecIssue[] = [];
    try {
      collectIssues(own, () =>
        buildAnyModel(spec.model, new Generator(0)).loadStateDict(init.state_dict as never),
      );
    } catch (err) {
      own.push({ path: [], message: (err as Error).message });
    }
    // loadStateDict names the key as the path; re-root it under init.state_dict.
    for (const issue of own)
      issues.push({ path: ['init', 'state_dict', ...issue.path], message: issue.message });
  }
  return init;
}

/** Base64 safetensors weights, decoded and loaded into the model to check every key and shape. */
function parseSafetensorsInit(b64: string, spec: RunSpec | undefined, issues: SpecIssue[]): JobInit | null {
  const path = ['init', 'safetensors_base64'];
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.replace(/\s+/g, '')) || b64.replace(/\s+/g, '').length % 4 !== 0) {
    issues.push({ path, message: 'not valid base64' });
    return null;
  }
  const bytes = Buffer.from(b64, 'base64');
  let state: Record<string, ReturnType<typeof tensor>>;
  try {
    state = {};
    for (const [name, t] of Object.entries(decodeSafetensors(bytes).tensors))
      state[name] = tensor(t.data, { shape: t.shape });
  } catch (err) {
    issues.push({ path, message: (err as Error).message });
    return null;
  }
  if (spec !== undefined) {
    try {
      buildAnyModel(spec.model, new Generator(0)).loadStateDict(state);
    } catch (err) {
      const own = err instanceof SpecError ? err.issues : [{ path: [], message: (err as Error).message }];
      for (const issue of own) issues.push({ path, message: issue.message });
      return null;
    }
  }
  return { safetensors_base64: b64, bytes };
}

/** The worker-side parse of stored input: the same checks, run again at the boundary. */
export function parseJobInput(value: unknown): {
  spec: RunSpec;
  /** Inline samples (checked), or null when the data comes from a source. */
  data: PackedData | RawData | null;
  source: DataSource | null;
  validation: ValidationSource | null;
  initStateDict: Record<string, unknown> | null;
} {
  if (typeof value !== 'object' || value === null)
    throw new SpecError([{ path: [], message: 'job input must be an object' }]);
  const input = value as JobInput;
  const spec = parseRunSpec(input.spec);
  const validation = input.validation ?? null;
  if (typeof input.data === 'object' && input.data !== null && isSourceRef(input.data)) {
    const source = parseSource(input.data, []);
    if (source === null) throw new SpecError([{ path: ['data'], message: 'invalid data source' }]);
    return { spec, data: null, source, validation, initStateDict: input.init_state_dict };
  }
  const data = input.data as PackedData | RawData;
  const issues = checkRunData(spec, data);
  if (issues.length > 0) throw new SpecError(issues);
  return { spec, data, source: null, validation, initStateDict: input.init_state_dict };
}
