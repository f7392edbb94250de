/**
 * The training loop: the classic PyTorch loop (`zero_grad`, forward, loss, `backward`, clip,
 * `step`) over seeded mini-batches, one scheduler step per epoch, validation and early stopping,
 * and metrics per epoch through callbacks. Pure computation: no I/O. The loop yields to the event
 * loop every few milliseconds, so an AbortSignal raised by a message (a cancel arriving in a worker
 * thread) is seen between steps.
 *
 * A Trainer can be checkpointed after any epoch and restored into a fresh Trainer: weights,
 * optimizer, scheduler, generator and early-stopping state all travel, so a resumed run ends with
 * weights bitwise identical to an uninterrupted one.
 */
import { clipGradNorm_ } from '../engine/clip.js';
import { dropGradBufferSpares } from '../engine/grad-buffer.js';
import { activationMemory, inferenceBytesPerSample } from '../engine/nn/activation-memory.js';
import type { StateDict } from '../engine/nn/index.js';
import { indexRows, sliceRows } from '../engine/ops/shape.js';
import { type NestedArray, noGrad, type Tensor } from '../engine/tensor.js';
import { fromData, type TrainerCheckpoint, toData } from './checkpoint.js';
import type { PreparedData, TrainingData } from './data.js';
import { EarlyStopping } from './early-stopping.js';
import { DivergedError, TimeoutError } from './errors.js';
import { confusionMatrix, MetricAccumulator, type SplitMetrics } from './metrics.js';
import type {
  EpochMetrics,
  FinalEvaluation,
  SplitEvaluation,
  StepProgress,
  StopReason,
  TrainResult,
} from './results.js';
import { buildRun, type RunParts } from './run-parts.js';
import type { RunSpec } from './spec.js';

export interface TrainOptions {
  /** Initial weights (`nn.Sequential` names); every parameter and buffer must be present. */
  initStateDict?: Record<string, Tensor | NestedArray>;
  signal?: AbortSignal;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /** Called after every optimizer step with the step's loss (before the update). */
  onStep?: (loss: number) => void;
  /** Called at most every `progressEveryMs` (default 250) with the epoch's progress. */
  onProgress?: (progress: StepProgress) => void;
  progressEveryMs?: number;
  /** Called after every epoch's metrics with the state needed to resume from there. */
  onCheckpoint?: (checkpoint: TrainerCheckpoint) => void | Promise<void>;
  /** Continue from a checkpoint instead of starting at epoch 1. */
  resumeFrom?: TrainerCheckpoint;
  /** How often the loop lets the event loop run; default 50 ms. */
  yieldEveryMs?: number;
}

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Evaluation batches bound memory on large splits; results do not depend on the chunk size. */
const EVAL_CHUNK = 2048;
/** Evaluation may always use this much memory, even when a training step needs less. */
const EVAL_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Samples per evaluation chunk: at most EVAL_CHUNK, and no more than fit in the memory of one
 * training step (or EVAL_MIN_BYTES): an image model's layers at 2,048 samples could need many
 * times what its training batches do, which MAX_ACTIVATION_BYTES bounds.
 */
function evaluationChunk(spec: RunSpec, sampleShape: readonly number[], batchRows: number): number {
  const perSample = inferenceBytesPerSample(spec.model, sampleShape);
  if (perSample === null) return Math.max(1, Math.min(EVAL_CHUNK, batchRows));
  const step = activationMemory(spec.model, sampleShape, batchRows).bytes;
  const fit = Math.floor(Math.max(step, EVAL_MIN_BYTES) / Math.max(perSample, 1));
  return Math.max(1, Math.min(EVAL_CHUNK, fit));
}

function isPrepared(data: PreparedData | TrainingData): data is PreparedData {
  return 'train' in data;
}

export class Trainer {
  readonly parts: RunParts;
  private readonly data: PreparedData;
  private readonly early: EarlyStopping | null;
  private history: EpochMetrics[] = [];
  private epoch = 0;
  private best: StateDict | null = null;
  private elapsedMs = 0;
  private readonly evalChunk: number;

  constructor(
    readonly spec: RunSpec,
    data: PreparedData | TrainingData,
    initStateDict?: TrainOptions['initStateDict'],
  ) {
    this.data = isPrepared(data) ? data : { train: data, validation: null, normalization: null };
    this.parts = buildRun(spec, initStateDict);
    const x = this.data.train.x;
    this.evalChunk = evaluationChunk(spec, x.shape.slice(1), Math.min(spec.training.batch_size, x.shape[0]));
    const es = spec.training.early_stopping;
    this.early = es === undefined ? null : new EarlyStopping(es);
    if (this.early !== null && es!.monitor.startsWith('val_') && this.data.validation === null) {
      throw new RangeError(
        `early_stopping.monitor '${es!.monitor}' needs validation data (training.validation_split)`,
      );
    }
  }

  get completedEpochs(): number {
    return this.epoch;
  }

  /**
   * The state after the last completed epoch. `history: false` leaves the metrics out (a service
   * that stores them elsewhere need not copy a growing list every epoch).
   */
  checkpoint({ history = true }: { history?: boolean } = {}): TrainerCheckpoint {
    const { model, optimizer, scheduler, generator } = this.parts;
    return {
      epoch: this.epoch,
      model: toData(model.stateDict()),
      optimizer: structuredClone(optimizer.stateDict()),
      scheduler: scheduler === null ? null : structuredClone(scheduler.stateDict()),
      generator: generator.getState(),
      earlyStopping: this.early?.getState() ?? null,
      best: this.best === null ? null : toData(this.best),
      history: history ? this.history.map((m) => ({ ...m })) : [],
      elapsedMs: this.elapsedMs,
    };
  }

  restore(cp: TrainerCheckpoint): void {
    const { model, optimizer, scheduler, generator } = this.parts;
    model.loadStateDict(fromData(cp.model));
    optimizer.loadStateDict(structuredClone(cp.optimizer));
    if (scheduler !== null && cp.scheduler !== null) scheduler.loadStateDict(structuredClone(cp.scheduler));
    generator.setState(cp.generator);
    if (this.early !== null && cp.earlyStopping !== null) this.early.setState(cp.earlyStopping);
    this.best = cp.best === null ? null : fromData(cp.best);
    this.history = cp.history.map((m) => ({ ...m }));
    this.epoch = cp.epoch;
    this.elapsedMs = cp.elapsedMs;
  }

  async run(options: Omit<TrainOptions, 'initStateDict' | 'resumeFrom'> = {}): Promise<TrainResult> {
    try {
      return await this.runEpochs(options);
    } finally {
      dropGradBufferSpares(); // the thread's next job need not inherit this one's spare memory
    }
  }

  private async runEpochs(options: Omit<TrainOptions, 'initStateDict' | 'resumeFrom'>): Promise<TrainResult> {
    const { model, optimizer, scheduler, generator, loss } = this.parts;
    const {
      epochs,
      batch_size: batchSize,
      shuffle,
      grad_clip: gradClip,
      max_runtime_s: maxRuntime,
    } = this.spec.training;
    const train = this.data.train;
    const n = train.x.shape[0];
    const steps = Math.ceil(n / batchSize);
    const yieldEvery = options.yieldEveryMs ?? 50;
    const progressEvery = options.progressEveryMs ?? 250;
    const ordered = Int32Array.from({ length: n }, (_, i) => i);
    // One buffer each for every step's batch: a step is done with its batch before the next starts.
    const batchRows = Math.min(batchSize, n);
    const xBatch = new Float32Array(batchRows * (train.x.size / Math.max(n, 1)));
    const yBatch = new Float32Array(batchRows * (train.y.size / Math.max(n, 1)));
    let lastYield = performance.now();
    let lastProgress = performance.now();
    let stopReason: StopReason = 'epochs';
    const finish = (status: TrainResult['status']): TrainResult => this.result(status, stopReason);

    // A run restored from the checkpoint of the epoch that triggered early stopping is already done.
    if (this.early?.shouldStop) stopReason = 'early_stopping';
    while (this.epoch < epochs && stopReason !== 'early_stopping') {
      const epoch = this.epoch + 1;
      const started = performance.now();
      const lr = optimizer.paramGroups[0].lr;
      const order = shuffle ? generator.permutation(n) : ordered;
      const acc = new MetricAccumulator(loss);
      for (let start = 0, step = 1; start < n; start += batchSize, step++) {
        if (options.signal?.aborted) {
          stopReason = 'aborted';
          return finish('aborted');
        }
        if (maxRuntime !== undefined && this.elapsedMs + (performance.now() - started) > maxRuntime * 1000) {
          throw new TimeoutError(maxRuntime, epoch);
        }
        const idx = order.subarray(start, Math.min(start + batchSize, n));
        const xb = indexRows(train.x, idx, xBatch);
        const yb = indexRows(train.y, idx, yBatch);
        // Nothing here keeps last step's gradients, so their memory serves this step's backward.
        optimizer.zeroGrad({ reuse: true });
        const output = model.forward(xb);
        const value = loss.forward(output, yb);
        const stepLoss = value.item();
        if (!Number.isFinite(stepLoss)) throw new DivergedError(epoch, step, stepLoss);
        value.backward();
        if (gradClip !== undefined) clipGradNorm_(model.parameters(), gradClip.max_norm, gradClip.norm_type);
        optimizer.step();
        options.onStep?.(stepLoss);
        noGrad(() => acc.add(stepLoss, idx.length, output, yb));
        value.releaseGraph(); // nothing keeps this step's results: their memory serves the next step
        const now = performance.now();
        if (options.onProgress !== undefined && now - lastProgress >= progressEvery && step < steps) {
          options.onProgress({ epoch, step, steps, loss: stepLoss });
          lastProgress = now;
        }
        if (now - lastYield >= yieldEvery) {
          await nextTick();
          lastYield = performance.now();
        }
      }
      const trainMetrics = acc.finish();
      const val = this.data.validation === null ? null : this.evaluateSplit(this.data.validation, false);
      if (scheduler !== null) scheduler.step(val?.loss ?? trainMetrics.loss);
      const durationMs = performance.now() - started;
      const metrics: EpochMetrics = {
        epoch,
        epochs,
        ...trainMetrics,
        lr,
        ...(val === null ? {} : prefixed(val)),
        duration_ms: durationMs,
        samples_per_sec: durationMs > 0 ? (n * 1000) / durationMs : 0,
      };
      this.history.push(metrics);
      this.epoch = epoch;
      this.elapsedMs += durationMs;
      let stop = false;
      if (this.early !== null) {
        const improved = this.early.update(epoch, metrics as unknown as Record<string, unknown>);
        if (improved && this.early.options.restore_best) this.best = model.stateDict();
        stop = this.early.shouldStop;
      }
      await options.onEpoch?.(metrics);
      await options.onCheckpoint?.(this.checkpoint());
      if (stop) {
        stopReason = 'early_stopping';
        break;
      }
    }
    return finish('completed');
  }

  private result(status: TrainResult['status'], stopReason: StopReason): TrainResult {
    const { model } = this.parts;
    if (status === 'completed' && this.best !== null) model.loadStateDict(this.best);
    return {
      status,
      stopReason,
      stateDict: model.stateDict(),
      history: this.history,
      bestEpoch: this.early?.bestEpoch ?? null,
      evaluation: status === 'completed' ? this.evaluate() : null,
      normalization: this.data.normalization,
    };
  }

  /** Per-split metrics with the current weights in eval mode, with confusion matrices. */
  evaluate(): FinalEvaluation {
    const train = this.evaluateSplit(this.data.train, true);
    const validation =
      this.data.validation === null ? undefined : this.evaluateSplit(this.data.validation, true);
    return validation === undefined ? { train } : { train, validation };
  }

  private evaluateSplit(data: TrainingData, withConfusion: boolean): SplitEvaluation {
    const { model, loss } = this.parts;
    const n = data.x.shape[0];
    model.eval();
    try {
      return noGrad(() => {
        const acc = new MetricAccumulator(loss);
        let confusion: number[][] | null = null;
        for (let start = 0; start < n; start += this.evalChunk) {
          const end = Math.min(start + this.evalChunk, n);
          const xb = sliceRows(data.x, start, end);
          const yb = sliceRows(data.y, start, end);
          const output = model.forward(xb);
          acc.add(loss.forward(output, yb).item(), end - start, output, yb);
          if (withConfusion) confusion = addMatrices(confusion, confusionMatrix(loss, output, yb));
        }
        const metrics: SplitEvaluation = { ...acc.finish(), samples: n };
        if (confusion !== null) metrics.confusion_matrix = confusion;
        return metrics;
      });
    } finally {
      model.train();
    }
  }
}

const SPLIT_METRICS = ['loss', 'accuracy', 'mae', 'rmse', 'r2'] as const;

function prefixed(m: SplitMetrics): Partial<EpochMetrics> {
  return Object.fromEntries(SPLIT_METRICS.filter((k) => m[k] !== undefined).map((k) => [`val_${k}`, m[k]]));
}

function addMatrices(a: number[][] | null, b: number[][] | null): number[][] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.map((row, i) => row.map((v, j) => v + b[i][j]));
}

/** Trains a run from scratch (or from `resumeFrom`) to the end. */
export async function train(
  spec: RunSpec,
  data: PreparedData | TrainingData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const trainer = new Trainer(spec, data, options.initStateDict);
  if (options.resumeFrom !== undefined) trainer.restore(options.resumeFrom);
  return trainer.run(options);
}
