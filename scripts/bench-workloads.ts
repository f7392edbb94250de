/**
 * The engine's benchmark workloads (the definitions of /work/shared/anchors/README.md): synthetic
 * data generated once and excluded from timing, one warm-up run, then the median of the timed runs.
 * Each training step is the trainer's loop: zeroGrad, forward, loss, backward, step.
 */

import { spawnSync } from 'node:child_process';
import { setGemmRunner } from '../src/engine/kernels/gemm.js';
import { GemmThreadPool } from '../src/engine/kernels/gemm-threads.js';
// The classes' own modules, not the engine's barrels: a script building its model in code need
// not load the JSON-spec registries (and zod, about 12 MB).
import { CrossEntropyLoss } from '../src/engine/losses/cross-entropy-loss.js';
import { Flatten, ReLU } from '../src/engine/nn/activation-layers.js';
import { Conv2d } from '../src/engine/nn/conv.js';
import { Embedding } from '../src/engine/nn/embedding.js';
import { Linear } from '../src/engine/nn/linear.js';
import { MaxPool2d } from '../src/engine/nn/pool.js';
import { LSTM } from '../src/engine/nn/recurrent.js';
import { Select } from '../src/engine/nn/selectors.js';
import { Sequential } from '../src/engine/nn/sequential.js';
import { Adam } from '../src/engine/optim/adam.js';
import type { Optimizer } from '../src/engine/optim/optimizer.js';
import { SGD } from '../src/engine/optim/sgd.js';
import { Generator } from '../src/engine/random.js';
import { Tensor } from '../src/engine/tensor.js';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4' | 'W5';
export const WORKLOADS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4', 'W5'];

/** One figure: `<workload> <metric> <value>`. */
export interface Figure {
  workload: WorkloadId;
  metric: string;
  value: number;
}

type Batch = [Tensor, Tensor];

function mlp(sizes: readonly number[], generator: Generator): Sequential {
  const layers = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1], { generator }));
    if (i < sizes.length - 2) layers.push(new ReLU());
  }
  return new Sequential(...layers);
}

export function parameterCount(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < sizes.length - 1; i++) n += sizes[i] * sizes[i + 1] + sizes[i + 1];
  return n;
}

/** Standard-normal inputs and uniform class labels, pre-split into batches (the last may be partial). */
function makeBatches(n: number, dIn: number, classes: number, batchSize: number, g: Generator): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const x = new Float32Array(m * dIn);
    for (let i = 0; i < x.length; i++) x[i] = g.normal();
    const y = new Float32Array(m);
    for (let i = 0; i < m; i++) y[i] = Math.min(classes - 1, Math.floor(g.uniform(0, classes)));
    batches.push([new Tensor(x, [m, dIn]), new Tensor(y, [m])]);
  }
  return batches;
}

function epochRunner(model: Sequential, optimizer: Optimizer, batches: Batch[]): () => number {
  const loss = new CrossEntropyLoss();
  return () => {
    let last = 0;
    for (const [x, y] of batches) {
      optimizer.zeroGrad({ reuse: true }); // as the trainer does
      const value = loss.forward(model.forward(x), y);
      value.backward();
      optimizer.step();
      last = value.item();
      value.releaseGraph();
    }
    return last;
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One warm-up call, then `runs` timed calls; the median wall time in seconds. */
function timed(fn: () => number, runs: number): number {
  fn();
  const walls: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    walls.push((performance.now() - t0) / 1000);
  }
  return median(walls);
}

export function runWorkload(id: WorkloadId, runs = 3): Figure[] {
  const g = new Generator(0);
  if (id === 'W1') {
    const sizes = [784, 256, 128, 10];
    const n = 60_000;
    const model = mlp(sizes, g);
    const seconds = timed(
      epochRunner(model, new Adam(model.parameters(), { lr: 1e-3 }), makeBatches(n, 784, 10, 128, g)),
      runs,
    );
    return [{ workload: id, metric: 'samples_per_s', value: n / seconds }];
  }
  if (id === 'W2') {
    const model = mlp([10, 20, 2], g);
    const [batch] = makeBatches(100, 10, 2, 100, g);
    const steps = 1000;
    const epoch = epochRunner(model, new Adam(model.parameters(), { lr: 0.01 }), Array(steps).fill(batch));
    // A run is about 50 ms: the median of 15 rides out the machine's brief slow spells.
    return [{ workload: id, metric: 'steps_per_s', value: steps / timed(epoch, Math.max(runs, 15)) }];
  }
  if (id === 'W4') return [{ workload: id, metric: 'samples_per_s', value: cnnFashion(g, runs) }];
  if (id === 'W5') return [{ workload: id, metric: 'samples_per_s', value: lstmSeq(g, runs) }];
  const sizes = [1024, 1024, 1024, 10];
  const n = 20_480;
  const model = mlp(sizes, g);
  const optimizer = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const seconds = timed(epochRunner(model, optimizer, makeBatches(n, 1024, 10, 256, g)), runs);
  return [
    { workload: id, metric: 'samples_per_s', value: n / seconds },
    { workload: id, metric: 'gflops', value: (6 * parameterCount(sizes) * n) / seconds / 1e9 },
  ];
}

/**
 * W4 cnn-fashion: Conv2d(1, 32, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(32, 64, 3, padding=1) -
 * ReLU - MaxPool2d(2) - Flatten - Linear(3136, 128) - ReLU - Linear(128, 10), CrossEntropyLoss, Adam
 * lr 1e-3, batch 64, 6,400 standard-normal (1, 28, 28) images with uniform labels (bench/torch_w4.py
 * is the PyTorch side). Samples per second.
 */
function cnnFashion(g: Generator, runs: number): number {
  const n = 6400;
  const model = new Sequential(
    new Conv2d(1, 32, 3, { padding: 1, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1, generator: g }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(3136, 128, { generator: g }),
    new ReLU(),
    new Linear(128, 10, { generator: g }),
  );
  const batches = makeBatches(n, 28 * 28, 10, 64, g).map(
    ([x, y]): Batch => [new Tensor(x.data, [x.shape[0], 1, 28, 28]), y],
  );
  return n / timed(epochRunner(model, new Adam(model.parameters(), { lr: 1e-3 }), batches), runs);
}

/**
 * W5 lstm-seq: Embedding(1000, 64) - LSTM(64, 128, batch_first) - Select(1, -1) (the last step) -
 * Linear(128, 10), CrossEntropyLoss, Adam lr 1e-3, batch 64, sequence length 50, 6,400 samples of
 * uniform token ids and labels (bench/torch_w5.py is the PyTorch side). Samples per second.
 */
function lstmSeq(g: Generator, runs: number): number {
  const [vocab, length, batch, n] = [1000, 50, 64, 6400];
  const model = new Sequential(
    new Embedding(vocab, 64, { generator: g }),
    new LSTM(64, 128, { batchFirst: true, generator: g }),
    new Select(1, -1),
    new Linear(128, 10, { generator: g }),
  );
  const batches: Batch[] = [];
  for (let start = 0; start < n; start += batch) {
    const x = new Float32Array(batch * length);
    for (let i = 0; i < x.length; i++) x[i] = Math.min(vocab - 1, Math.floor(g.uniform(0, vocab)));
    const y = new Float32Array(batch);
    for (let i = 0; i < batch; i++) y[i] = Math.min(9, Math.floor(g.uniform(0, 10)));
    batches.push([new Tensor(x, [batch, length]), new Tensor(y, [batch])]);
  }
  return n / timed(epochRunner(model, new Adam(model.parameters(), { lr: 1e-3 }), batches), runs);
}

/**
 * W1 for `epochs` epochs with the process's memory after each (MB): resident set, V8 heap and
 * ArrayBuffer memory (where tensor data lives), after a full GC when node runs with --expose-gc.
 * Growth from epoch to epoch is a leak; `peak_rss_mb` is the whole run's high-water mark.
 */
export function memoryProfile(epochs: number): Figure[] {
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const gc = (globalThis as { gc?: () => void }).gc;
  const g = new Generator(0);
  const model = mlp([784, 256, 128, 10], g);
  const epoch = epochRunner(
    model,
    new Adam(model.parameters(), { lr: 1e-3 }),
    makeBatches(60_000, 784, 10, 128, g),
  );
  const figures: Figure[] = [];
  for (let e = 1; e <= epochs; e++) {
    epoch();
    gc?.();
    const m = process.memoryUsage();
    figures.push(
      { workload: 'W1', metric: `epoch${e}_rss_mb`, value: mb(m.rss) },
      { workload: 'W1', metric: `epoch${e}_heap_mb`, value: mb(m.heapUsed) },
      { workload: 'W1', metric: `epoch${e}_array_buffers_mb`, value: mb(m.arrayBuffers) },
    );
  }
  figures.push({ workload: 'W1', metric: 'peak_rss_mb', value: process.resourceUsage().maxRSS / 1024 });
  return figures;
}

/**
 * The peak resident memory (MB) of `workload` run on its own in a new process (this script with
 * `--peak-rss <workload>`, under the same node flags): a process's high-water mark covers all it
 * ran, so measured in the benchmark's own process it would be the largest workload's.
 */
export function peakRssInChild(script: string, workload: WorkloadId): number | null {
  const out = spawnSync(process.execPath, [...process.execArgv, script, '--peak-rss', workload], {
    encoding: 'utf8',
  });
  const match = /peak_rss_mb ([\d.]+)/.exec(out.stdout ?? '');
  return match === null ? null : Number(match[1]);
}

/** Runs `workload` once (one warm-up, one timed run) and reports the process's peak RSS. */
export function peakRss(workload: WorkloadId): Figure {
  runWorkload(workload, 1);
  return { workload, metric: 'peak_rss_mb', value: process.resourceUsage().maxRSS / 1024 };
}

/** Runs `fn` with intra-op parallelism over `threads` threads (this one included). */
export async function withThreads<T>(threads: number, fn: () => T): Promise<T> {
  const pool = GemmThreadPool.create(threads);
  const previous = setGemmRunner(pool);
  try {
    return fn();
  } finally {
    setGemmRunner(previous);
    await pool.close();
  }
}

export function formatFigure(f: Figure): string {
  const digits = f.value >= 100 ? 0 : 1;
  return `${f.workload} ${f.metric} ${f.value.toFixed(digits)}`;
}
