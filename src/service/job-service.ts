/**
 * What the API does with jobs, independent of HTTP: create (validated, idempotent), read, list,
 * cancel, delete, download weights and predict. The API's routes are thin wrappers around this.
 */
import { createHash } from 'node:crypto';
import { OnnxExportError } from '../artifacts/onnx/errors.js';
import { onnxFromSafetensors } from '../artifacts/onnx/from-safetensors.js';
import { decodeSafetensors, toNested } from '../artifacts/safetensors.js';
import type { FashionMnistSplit } from '../datasets/fashion-mnist.js';
import { SpecError, type SpecIssue } from '../engine/errors.js';
import { buildAnyModel, inputLayers } from '../engine/nn/model-spec.js';
import { Generator } from '../engine/random.js';
import { type NestedArray, numel, sameShape, shapeToString, type Tensor, tensor } from '../engine/tensor.js';
import type { TrainingQueue } from '../queue/training-queue.js';
import { packData } from '../training/data.js';
import type { Normalization } from '../training/normalize.js';
import { predict } from '../training/predict.js';
import { checkNested, flattenNested } from '../training/sample-shape.js';
import { tokenIdIssues } from '../training/token-ids.js';
import { type BuiltinSource, checkTable, fashionMnistSplit, type TableShape } from './data-sources.js';
import type { DatasetStore } from './dataset-store.js';
import {
  IdempotencyError,
  JobNotFoundError,
  JobStateError,
  LimitExceededError,
  ModelNotExportableError,
  TooManyRequestsError,
  ValidationError,
} from './errors.js';
import { newJobId } from './ids.js';
import { checkActivationLimit } from './job-limits.js';
import type { Job, JobSpecSummary } from './job-resource.js';
import type { JobInput, ValidJob } from './job-spec.js';
import { isTerminal, type JobStatus } from './job-status.js';
import type { JobStore } from './job-store.js';

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface CreateResult {
  job: Job;
  /** True when an Idempotency-Key replayed an earlier request. */
  replayed: boolean;
}

export interface PredictResult {
  outputs: unknown[];
  predictions?: unknown[];
}

export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly queue: TrainingQueue,
    /**
     * `maxActiveJobs`: queued + running jobs per tenant; `maxActivationBytes`: one training step's
     * activation memory (MAX_ACTIVATION_BYTES). Unlimited when absent.
     */
    private readonly limits: { maxPredictRows: number; maxActiveJobs?: number; maxActivationBytes?: number },
    private readonly datasets: DatasetStore,
  ) {}

  /** Every method takes the tenant acting: a job of another tenant is not found, like a missing one. */
  async create(
    tenant: string,
    valid: ValidJob,
    rawBody: unknown,
    idempotencyKey?: string,
  ): Promise<CreateResult> {
    await this.checkDatasets(tenant, valid);
    this.checkActivations(valid);
    const id = newJobId();
    if (idempotencyKey !== undefined) {
      const fingerprint = createHash('sha256').update(JSON.stringify(rawBody)).digest('hex');
      const claim = await this.store.claimIdempotencyKey(
        tenant,
        idempotencyKey,
        { job_id: id, fingerprint },
        IDEMPOTENCY_TTL_SECONDS,
      );
      if (claim !== null) {
        if (claim.fingerprint !== fingerprint) throw new IdempotencyError('key_reused');
        const existing = await this.store.getOwned(tenant, claim.job_id);
        if (existing === null) throw new IdempotencyError('in_progress');
        return { job: existing, replayed: true };
      }
    }
    try {
      return { job: await this.createJob(tenant, id, valid), replayed: false };
    } catch (err) {
      if (idempotencyKey !== undefined) await this.store.releaseIdempotencyKey(tenant, idempotencyKey);
      throw err;
    }
  }

  /**
   * Checks jobs that read uploaded datasets against the datasets' metadata and targets (width
   * through the model, target kind and classes against the loss), and fills in their size.
   */
  private async checkDatasets(tenant: string, valid: ValidJob): Promise<void> {
    const issues: SpecIssue[] = [];
    const load = async (id: string, root: string[]): Promise<TableShape | null> => {
      // Another tenant's dataset is "no dataset", exactly like a missing one.
      const meta = await this.datasets.get(tenant, id);
      const y = meta === null ? null : await this.datasets.getTargets(id, meta.target.kind);
      if (meta === null || y === null) {
        issues.push({ path: root, message: `no dataset with id ${id}` });
        return null;
      }
      return {
        label: `dataset ${id}`,
        rows: meta.rows,
        features: meta.features,
        ...(meta.sample_shape === undefined ? {} : { sampleShape: meta.sample_shape }),
        kind: meta.target.kind,
        y,
        classes: meta.target.classes,
        x: {
          dtype: meta.x.dtype,
          min: meta.feature_stats.reduce((m, f) => Math.min(m, f.min), Infinity),
          max: meta.feature_stats.reduce((m, f) => Math.max(m, f.max), -Infinity),
        },
      };
    };
    if ('dataset_id' in valid.data) {
      const table = await load(valid.data.dataset_id, ['data', 'dataset_id']);
      if (table !== null) {
        valid.samples = table.rows;
        valid.features = table.features;
        valid.sampleShape = table.sampleShape ?? [table.features];
        issues.push(...checkTable(valid.spec, table, ['data', 'dataset_id']));
      }
    }
    if (valid.validation !== null) {
      const byId = 'dataset_id' in valid.validation;
      const root = byId ? ['validation', 'dataset_id'] : ['validation'];
      const table =
        'dataset_id' in valid.validation
          ? await load(valid.validation.dataset_id, root)
          : (valid.validationTable ?? null);
      if (table !== null && issues.length === 0) {
        const shape = table.sampleShape ?? [table.features];
        if (!sameShape(shape, valid.sampleShape))
          issues.push({
            path: root,
            message:
              shape.length === 1 && valid.sampleShape.length === 1
                ? `${table.label} has ${table.features} features; the training data has ${valid.features}`
                : `${table.label} has samples of shape ${shapeToString(shape)}; the training data's are ${shapeToString(valid.sampleShape)}`,
          });
        else issues.push(...checkTable(valid.spec, table, root).filter((i) => i.path[0] === 'validation'));
        valid.validationSamples = table.rows;
      }
    }
    if (issues.length > 0) throw ValidationError.fromSpecIssues(issues);
  }

  /** MAX_ACTIVATION_BYTES, once the per-sample shape is known (for datasets, from their metadata). */
  private checkActivations(valid: ValidJob): void {
    const max = this.limits.maxActivationBytes;
    if (max === undefined) return;
    const batch = Math.min(valid.spec.training.batch_size, Math.max(valid.samples, 1));
    const over = checkActivationLimit(valid.spec.model, valid.sampleShape, batch, max);
    if (over.length > 0) throw new LimitExceededError(over);
  }

  private async createJob(tenant: string, id: string, valid: ValidJob): Promise<Job> {
    let init: Buffer | null = null;
    let initSummary: JobSpecSummary['init'];
    if (valid.init !== null && 'from_job' in valid.init) {
      init = await this.warmStartWeights(tenant, valid, valid.init.from_job);
      initSummary = { from_job: valid.init.from_job };
    } else if (valid.init !== null && 'safetensors_base64' in valid.init) {
      init = valid.init.bytes;
      initSummary = { safetensors: { keys: Object.keys(decodeSafetensors(init).tensors) } };
    } else if (valid.init !== null) {
      initSummary = { state_dict: { keys: Object.keys(valid.init.state_dict) } };
    }
    const job: Job = {
      id,
      status: 'queued',
      name: valid.name,
      metadata: valid.metadata,
      spec: {
        ...valid.spec,
        data: {
          samples: valid.samples,
          features: valid.features,
          sample_shape: valid.sampleShape,
          ...sourceSummary(valid),
        },
        ...(valid.validation === null
          ? {}
          : {
              validation: {
                ...('builtin' in valid.validation ? builtinSummary(valid.validation) : valid.validation),
                samples: valid.validationSamples ?? 0,
              },
            }),
        ...(initSummary === undefined ? {} : { init: initSummary }),
      } as JobSpecSummary,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
      progress: { epoch: 0, epochs: valid.spec.training.epochs },
      metrics: null,
    };
    const input: JobInput = {
      spec: valid.spec,
      data: 'x' in valid.data ? packData(valid.data) : valid.data,
      validation: valid.validation,
      init_state_dict: valid.init !== null && 'state_dict' in valid.init ? valid.init.state_dict : null,
    };
    const datasets = [
      ...('dataset_id' in valid.data ? [valid.data.dataset_id] : []),
      ...(valid.validation === null || !('dataset_id' in valid.validation)
        ? []
        : [valid.validation.dataset_id]),
    ];
    const maxActive = this.limits.maxActiveJobs;
    const admitted = await this.store.create(
      { tenant, job, input: JSON.stringify(input), init, datasets },
      maxActive,
    );
    if (!admitted)
      throw new TooManyRequestsError(
        'too_many_active_jobs',
        `At most ${maxActive} jobs may be queued or running at once (MAX_ACTIVE_JOBS); wait for some to finish or cancel them.`,
      );
    await this.queue.enqueue(id);
    return job;
  }

  /** The weights of a succeeded job, checked against the new job's model. */
  private async warmStartWeights(tenant: string, valid: ValidJob, fromJob: string): Promise<Buffer> {
    const issue = (message: string) =>
      ValidationError.fromSpecIssues([{ path: ['init', 'from_job'], message }]);
    const source = await this.store.getOwned(tenant, fromJob);
    if (source === null) throw issue(`no job with id ${fromJob}`);
    if (source.status !== 'succeeded')
      throw issue(`job ${fromJob} is ${source.status}; only succeeded jobs have weights`);
    const model = await this.store.getModel(fromJob);
    if (model === null) throw issue(`job ${fromJob} has no stored weights`);
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(decodeSafetensors(model).tensors))
      state[name] = tensor(t.data, { shape: t.shape });
    try {
      buildAnyModel(valid.spec.model, new Generator(0)).loadStateDict(state);
    } catch (err) {
      if (err instanceof SpecError)
        throw ValidationError.fromSpecIssues(
          err.issues.map((i) => ({ path: ['init', 'from_job'], message: i.message })),
        );
      throw err;
    }
    return model;
  }

  async get(tenant: string, id: string): Promise<Job> {
    const job = await this.store.getOwned(tenant, id);
    if (job === null) throw new JobNotFoundError(id);
    return job;
  }

  list(tenant: string, options: { status?: JobStatus; limit: number; cursor?: string }) {
    return this.store.list({ ...options, tenant });
  }

  /**
   * A queued job is cancelled at once (it never runs); a running one is signalled through Redis
   * and ends `cancelled` shortly after. Returns the job as it is after the request.
   */
  async cancel(tenant: string, id: string): Promise<Job> {
    await this.get(tenant, id); // the owner never changes, so checking first is enough
    const queued = await this.store.transition(id, ['queued'], 'cancelled');
    if (queued.applied) {
      await this.queue.remove(id);
      return this.get(tenant, id);
    }
    if (queued.previous === '') throw new JobNotFoundError(id);
    if (queued.previous === 'running') {
      await this.store.requestCancel(id);
      return this.get(tenant, id);
    }
    throw new JobStateError('job_finished', `job ${id} already ${queued.previous}`);
  }

  async delete(tenant: string, id: string): Promise<void> {
    const job = await this.get(tenant, id);
    if (!isTerminal(job.status))
      throw new JobStateError('job_not_finished', `job ${id} is ${job.status}; cancel it before deleting it`);
    await this.queue.remove(id);
    await this.store.delete(id);
  }

  async metrics(tenant: string, id: string) {
    await this.get(tenant, id);
    return this.store.metrics(id);
  }

  /** The trained weights as safetensors bytes. */
  async model(tenant: string, id: string): Promise<Buffer> {
    const job = await this.get(tenant, id);
    const model = job.status === 'succeeded' ? await this.store.getModel(id) : null;
    if (model === null)
      throw new JobStateError(
        'model_not_available',
        `job ${id} is ${job.status}; weights exist once it has succeeded`,
      );
    return model;
  }

  /** The trained weights as nested arrays by state-dict key. */
  async modelJson(tenant: string, id: string): Promise<Record<string, unknown>> {
    const { tensors } = decodeSafetensors(await this.model(tenant, id));
    return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, toNested(t.data, t.shape)]));
  }

  /** The trained model as ONNX (opset 17), input standardisation included. */
  async modelOnnx(tenant: string, id: string): Promise<Uint8Array> {
    const weights = await this.model(tenant, id);
    const job = await this.get(tenant, id);
    try {
      return onnxFromSafetensors(weights, job.spec, { sampleShape: trainedSampleShape(job), name: id });
    } catch (err) {
      if (err instanceof OnnxExportError) throw new ModelNotExportableError(err.message);
      throw err;
    }
  }

  async predict(tenant: string, id: string, x: unknown[]): Promise<PredictResult> {
    const job = await this.get(tenant, id);
    const issues = predictInputIssues(job, x);
    if (x.length > this.limits.maxPredictRows)
      issues.unshift({ path: ['x'], message: `at most ${this.limits.maxPredictRows} rows per request` });
    if (issues.length > 0) throw ValidationError.fromSpecIssues(issues.slice(0, 20));
    const { tensors, metadata } = decodeSafetensors(await this.model(tenant, id));
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) state[name] = tensor(t.data, { shape: t.shape });
    const normalization =
      metadata.normalization === undefined ? null : (JSON.parse(metadata.normalization) as Normalization);
    return predict(job.spec, state, x as NestedArray, { normalization });
  }
}

/** One sample's shape as the job was trained on (older jobs recorded only the width). */
function trainedSampleShape(job: Job): number[] {
  return job.spec.data.sample_shape ?? [job.spec.data.features];
}

/** Predict inputs must be (rows, ...the training samples' shape), token ids for an Embedding. */
function predictInputIssues(job: Job, x: unknown[]): SpecIssue[] {
  const expected = trainedSampleShape(job);
  const nested = checkNested(x, ['x']);
  if (nested.issue !== null) return [nested.issue];
  const sample = nested.shape.slice(1);
  if (!sameShape(sample, expected))
    return [
      {
        path: ['x'],
        message:
          expected.length === 1 && sample.length === 1
            ? `expected ${expected[0]} features per row, got ${sample[0]}`
            : `expected samples of shape ${shapeToString(expected)} (as trained), got ${shapeToString(sample)}`,
      },
    ];
  const size = numel(sample);
  const first = inputLayers(job.spec.model);
  const flat = first[0]?.type === 'Embedding' ? flattenNested(x, x.length * size) : null;
  return tokenIdIssues(first, x.length, sample, (i, k) => flat![i * size + k], ['x']);
}

/** How the job summary names its data source. */
function sourceSummary(valid: ValidJob): Partial<JobSpecSummary['data']> {
  const data = valid.data;
  if ('dataset_id' in data) return { source: 'dataset', dataset_id: data.dataset_id };
  if ('builtin' in data) return { source: 'builtin', ...builtinSummary(data) };
  if ('synthetic' in data) return { source: 'synthetic', synthetic: data.synthetic };
  return {};
}

/** A built-in source as the summary shows it: Fashion-MNIST with its split filled in. */
function builtinSummary(source: BuiltinSource): { builtin: string; split?: FashionMnistSplit } {
  return source.builtin === 'fashion-mnist'
    ? { builtin: source.builtin, split: fashionMnistSplit(source) }
    : { builtin: source.builtin };
}
