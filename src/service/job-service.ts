/**
 * What the API does with jobs, independent of HTTP: create (validated, idempotent), read, list,
 * cancel, delete, download weights and predict. The API's routes are thin wrappers around this.
 */
import { createHash } from 'node:crypto';
import { decodeSafetensors, toNested } from '../artifacts/safetensors.js';
import { SpecError } from '../engine/errors.js';
import { buildModel } from '../engine/nn/registry.js';
import { Generator } from '../engine/random.js';
import { type Tensor, tensor } from '../engine/tensor.js';
import type { TrainingQueue } from '../queue/training-queue.js';
import { predict } from '../training/predict.js';
import { IdempotencyError, JobNotFoundError, JobStateError, ValidationError } from './errors.js';
import { newJobId } from './ids.js';
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
    private readonly limits: { maxPredictRows: number },
  ) {}

  async create(valid: ValidJob, rawBody: unknown, idempotencyKey?: string): Promise<CreateResult> {
    const id = newJobId();
    if (idempotencyKey !== undefined) {
      const fingerprint = createHash('sha256').update(JSON.stringify(rawBody)).digest('hex');
      const claim = await this.store.claimIdempotencyKey(
        idempotencyKey,
        { job_id: id, fingerprint },
        IDEMPOTENCY_TTL_SECONDS,
      );
      if (claim !== null) {
        if (claim.fingerprint !== fingerprint) throw new IdempotencyError('key_reused');
        const existing = await this.store.get(claim.job_id);
        if (existing === null) throw new IdempotencyError('in_progress');
        return { job: existing, replayed: true };
      }
    }
    try {
      return { job: await this.createJob(id, valid), replayed: false };
    } catch (err) {
      if (idempotencyKey !== undefined) await this.store.releaseIdempotencyKey(idempotencyKey);
      throw err;
    }
  }

  private async createJob(id: string, valid: ValidJob): Promise<Job> {
    let init: Buffer | null = null;
    let initSummary: JobSpecSummary['init'];
    if (valid.init !== null && 'from_job' in valid.init) {
      init = await this.warmStartWeights(valid, valid.init.from_job);
      initSummary = { from_job: valid.init.from_job };
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
        data: { samples: valid.samples, features: valid.features },
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
      data: valid.data,
      init_state_dict: valid.init !== null && 'state_dict' in valid.init ? valid.init.state_dict : null,
    };
    await this.store.create({ job, input: JSON.stringify(input), init });
    await this.queue.enqueue(id);
    return job;
  }

  /** The weights of a succeeded job, checked against the new job's model. */
  private async warmStartWeights(valid: ValidJob, fromJob: string): Promise<Buffer> {
    const issue = (message: string) =>
      ValidationError.fromSpecIssues([{ path: ['init', 'from_job'], message }]);
    const source = await this.store.get(fromJob);
    if (source === null) throw issue(`no job with id ${fromJob}`);
    if (source.status !== 'succeeded')
      throw issue(`job ${fromJob} is ${source.status}; only succeeded jobs have weights`);
    const model = await this.store.getModel(fromJob);
    if (model === null) throw issue(`job ${fromJob} has no stored weights`);
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(decodeSafetensors(model).tensors))
      state[name] = tensor(t.data, { shape: t.shape });
    try {
      buildModel(valid.spec.model, new Generator(0)).loadStateDict(state);
    } catch (err) {
      if (err instanceof SpecError)
        throw ValidationError.fromSpecIssues(
          err.issues.map((i) => ({ path: ['init', 'from_job'], message: i.message })),
        );
      throw err;
    }
    return model;
  }

  async get(id: string): Promise<Job> {
    const job = await this.store.get(id);
    if (job === null) throw new JobNotFoundError(id);
    return job;
  }

  list(options: { status?: JobStatus; limit: number; cursor?: string }) {
    return this.store.list(options);
  }

  /**
   * A queued job is cancelled at once (it never runs); a running one is signalled through Redis
   * and ends `cancelled` shortly after. Returns the job as it is after the request.
   */
  async cancel(id: string): Promise<Job> {
    const queued = await this.store.transition(id, ['queued'], 'cancelled');
    if (queued.applied) {
      await this.queue.remove(id);
      return this.get(id);
    }
    if (queued.previous === '') throw new JobNotFoundError(id);
    if (queued.previous === 'running') {
      await this.store.requestCancel(id);
      return this.get(id);
    }
    throw new JobStateError('job_finished', `job ${id} already ${queued.previous}`);
  }

  async delete(id: string): Promise<void> {
    const job = await this.get(id);
    if (!isTerminal(job.status))
      throw new JobStateError('job_not_finished', `job ${id} is ${job.status}; cancel it before deleting it`);
    await this.queue.remove(id);
    await this.store.delete(id);
  }

  async metrics(id: string) {
    await this.get(id);
    return this.store.metrics(id);
  }

  /** The trained weights as safetensors bytes. */
  async model(id: string): Promise<Buffer> {
    const job = await this.get(id);
    const model = job.status === 'succeeded' ? await this.store.getModel(id) : null;
    if (model === null)
      throw new JobStateError(
        'model_not_available',
        `job ${id} is ${job.status}; weights exist once it has succeeded`,
      );
    return model;
  }

  /** The trained weights as nested arrays by state-dict key. */
  async modelJson(id: string): Promise<Record<string, unknown>> {
    const { tensors } = decodeSafetensors(await this.model(id));
    return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, toNested(t.data, t.shape)]));
  }

  async predict(id: string, x: number[][]): Promise<PredictResult> {
    const job = await this.get(id);
    const features = job.spec.data.features;
    const issues = x.flatMap((row, i) =>
      row.length === features
        ? []
        : [{ path: ['x', i], message: `expected ${features} features, got ${row.length}` }],
    );
    if (x.length > this.limits.maxPredictRows)
      issues.unshift({ path: ['x'], message: `at most ${this.limits.maxPredictRows} rows per request` });
    if (issues.length > 0) throw ValidationError.fromSpecIssues(issues.slice(0, 20));
    const { tensors } = decodeSafetensors(await this.model(id));
    const state: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) state[name] = tensor(t.data, { shape: t.shape });
    return predict(job.spec, state, x);
  }
}
