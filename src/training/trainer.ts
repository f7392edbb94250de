/**
 * The training loop: the classic PyTorch loop (`zero_grad`, forward, loss, `backward`, clip,
 * `step`) over seeded mini-batches, one scheduler step per epoch, metrics per epoch through a
 * callback. Pure computation: no I/O. It yields to the event loop every few milliseconds, so an
 * AbortSignal raised by a message (a cancel arriving in a worker thread) is seen between steps.
 */
import { clipGradNorm_ } from '../engine/clip.js';
import { countCorrect } from '../engine/losses/accuracy.js';
import type { Loss } from '../engine/losses/loss.js';
import { buildLoss } from '../engine/losses/registry.js';
import type { Sequential, StateDict } from '../engine/nn/index.js';
import { buildModel } from '../engine/nn/registry.js';
import { indexRows } from '../engine/ops/shape.js';
import type { Optimizer } from '../engine/optim/optimizer.js';
import { buildOptimizer } from '../engine/optim/registry.js';
import { Generator } from '../engine/random.js';
import type { LRScheduler } from '../engine/schedulers/lr-scheduler.js';
import { buildScheduler } from '../engine/schedulers/registry.js';
import { type NestedArray, noGrad, type Tensor } from '../engine/tensor.js';
import type { TrainingData } from './data.js';
import { DivergedError } from './errors.js';
import type { RunSpec } from './spec.js';

export interface EpochMetrics {
  epoch: number;
  epochs: number;
  /** Sample-weighted mean of the epoch's step losses. */
  loss: number;
  /** The learning rate of the first parameter group during this epoch. */
  lr: number;
  /** Share of correctly classified training samples (classification losses only). */
  accuracy?: number;
  duration_ms: number;
  samples_per_sec: number;
}

export interface TrainOptions {
  /** Initial weights (`nn.Sequential` names); every parameter and buffer must be present. */
  initStateDict?: Record<string, Tensor | NestedArray>;
  signal?: AbortSignal;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /** Called after every optimizer step with the step's loss (before the update). */
  onStep?: (loss: number) => void;
  /** How often the loop lets the event loop run; default 50 ms. */
  yieldEveryMs?: number;
}

export interface TrainResult {
  status: 'completed' | 'aborted';
  stateDict: StateDict;
  history: EpochMetrics[];
}

/** Everything a run is made of, built from a spec with one seeded generator. */
export interface RunParts {
  model: Sequential;
  loss: Loss;
  optimizer: Optimizer;
  scheduler: LRScheduler | null;
  generator: Generator;
}

export function buildRun(spec: RunSpec, initStateDict?: TrainOptions['initStateDict']): RunParts {
  const generator = new Generator(spec.training.seed);
  const model = buildModel(spec.model, generator);
  if (initStateDict !== undefined) model.loadStateDict(initStateDict);
  model.train();
  const loss = buildLoss(spec.loss, { parameters: () => model.parameters() });
  const optimizer = buildOptimizer(spec.optimizer, model.namedParameters());
  const scheduler = spec.scheduler === undefined ? null : buildScheduler(spec.scheduler, optimizer);
  return { model, loss, optimizer, scheduler, generator };
}

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export async function train(
  spec: RunSpec,
  data: TrainingData,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const { model, loss, optimizer, scheduler, generator } = buildRun(spec, options.initStateDict);
  const { epochs, batch_size: batchSize, shuffle, grad_clip: gradClip } = spec.training;
  const n = data.x.shape[0];
  const yieldEvery = options.yieldEveryMs ?? 50;
  const history: EpochMetrics[] = [];
  const ordered = Int32Array.from({ length: n }, (_, i) => i);
  let lastYield = performance.now();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const lr = optimizer.paramGroups[0].lr;
    const order = shuffle ? generator.permutation(n) : ordered;
    let lossSum = 0;
    let correct = 0;
    let counted = 0;
    for (let start = 0, step = 1; start < n; start += batchSize, step++) {
      if (options.signal?.aborted) return { status: 'aborted', stateDict: model.stateDict(), history };
      const idx = order.subarray(start, Math.min(start + batchSize, n));
      const xb = indexRows(data.x, idx);
      const yb = indexRows(data.y, idx);
      optimizer.zeroGrad();
      const output = model.forward(xb);
      const value = loss.forward(output, yb);
      const stepLoss = value.item();
      if (!Number.isFinite(stepLoss)) throw new DivergedError(epoch, step, stepLoss);
      value.backward();
      if (gradClip !== undefined) clipGradNorm_(model.parameters(), gradClip.max_norm, gradClip.norm_type);
      optimizer.step();
      options.onStep?.(stepLoss);
      lossSum += stepLoss * idx.length;
      const tally = noGrad(() => countCorrect(loss, output, yb));
      if (tally !== null) {
        correct += tally.correct;
        counted += tally.total;
      }
      if (performance.now() - lastYield >= yieldEvery) {
        await nextTick();
        lastYield = performance.now();
      }
    }
    const epochLoss = lossSum / n;
    if (scheduler !== null) scheduler.step(epochLoss);
    const durationMs = performance.now() - started;
    const metrics: EpochMetrics = {
      epoch,
      epochs,
      loss: epochLoss,
      lr,
      ...(counted > 0 ? { accuracy: correct / counted } : {}),
      duration_ms: durationMs,
      samples_per_sec: durationMs > 0 ? (n * 1000) / durationMs : 0,
    };
    history.push(metrics);
    await options.onEpoch?.(metrics);
  }
  return { status: 'completed', stateDict: model.stateDict(), history };
}
