// TensorFlow.js (Node) baseline anchors: W1/W2/W3/W4 training workloads + M1 matmul micro.
//
//   node tfjs_bench.mjs --backend cpu|wasm --workload W1|W2|W3|W4|M1 [--runs 3] [--samples N]
//                       [--api lowlevel|layers] [--unfused] [--wasm-threads N]
//
// Packages are resolved from $ANCHORS_NPM_DIR (default /tmp/anchors-npm), see package.json here.
//
// Default API ("lowlevel"): tf.variable weights, forward = tf.fused.matMul({a,b,bias,activation})
// (the same fused op tf.layers' Dense uses), loss = tf.losses.softmaxCrossEntropy(oneHot, logits)
// (mean over batch), and per batch: tf.tidy(() => optimizer.minimize(lossFn, false, vars)).
// --unfused uses tf.matMul + tf.add + tf.relu instead.  --api layers uses tf.sequential + model.fit
// (softmax output + categoricalCrossentropy, the standard tfjs-layers recipe).
//
// stdout: one line per figure `framework workload threads metric value`;
// stderr: '#'-prefixed details.
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const NPM_DIR = process.env.ANCHORS_NPM_DIR || '/tmp/anchors-npm';
const require = createRequire(path.join(NPM_DIR, 'package.json'));

function parseArgs(argv) {
  const a = {
    backend: 'cpu',
    workload: 'W1',
    runs: 3,
    samples: null,
    api: 'lowlevel',
    unfused: false,
    xT: false,
    wasmThreads: null,
  };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--backend') a.backend = argv[++i];
    else if (k === '--workload') a.workload = argv[++i];
    else if (k === '--runs') a.runs = parseInt(argv[++i], 10);
    else if (k === '--samples') a.samples = parseInt(argv[++i], 10);
    else if (k === '--api') a.api = argv[++i];
    else if (k === '--unfused') a.unfused = true;
    else if (k === '--explicit-transpose') a.xT = true;
    else if (k === '--wasm-threads') a.wasmThreads = parseInt(argv[++i], 10);
    else throw new Error('unknown arg ' + k);
  }
  if (a.runs < 3) throw new Error('--runs must be >= 3');
  return a;
}
const args = parseArgs(process.argv);
const log = (...x) => process.stderr.write('# ' + x.join(' ') + '\n');

// silence the "install @tensorflow/tfjs-node for speed" banner (it goes to console.log)
const origLog = console.log;
console.log = (...x) => {
  process.stderr.write('# [tfjs] ' + x.join(' ') + '\n');
};
const tf = require('@tensorflow/tfjs');
let wasmMod = null;
if (args.backend === 'wasm') {
  wasmMod = require('@tensorflow/tfjs-backend-wasm');
  if (args.wasmThreads != null) {
    // The package hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false under Node (tfjs issue #3830);
    // this experimental switch forces the threaded-SIMD binary.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmMod.setThreadsCount(args.wasmThreads);
  }
}
await tf.setBackend(args.backend);
await tf.ready();
console.log = origLog;

const tfVersion = tf.version.tfjs;
let threads = 1;
let fw = `tfjs-${tfVersion}-${args.backend}`;
if (args.backend === 'wasm') {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  threads = wasmMod.getThreadsCount();
  log(
    `wasm backend: WASM_HAS_SIMD_SUPPORT=${simd} WASM_HAS_MULTITHREAD_SUPPORT=${mt} getThreadsCount()=${threads}`,
  );
  fw += simd ? '-simd' : '-nosimd';
  if (mt) fw += '-mt';
}
if (args.api === 'layers') fw += '-layersfit';
if (args.unfused) fw += '-unfused';
if (args.xT) fw += '-xTgrad';
log(
  `tfjs ${tfVersion} backend=${tf.getBackend()} node ${process.version} api=${args.api} unfused=${args.unfused} explicitTranspose=${args.xT}`,
);

const emit = (workload, metric, value) =>
  process.stdout.write(`${fw} ${workload} ${threads} ${metric} ${Number(value.toPrecision(6))}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const nParams = (sizes) => sizes.slice(0, -1).reduce((acc, d, i) => acc + d * sizes[i + 1] + sizes[i + 1], 0);

// one warm-up call, then `runs` timed calls (fn may be async)
async function timed(fn, runs) {
  let res = await fn();
  const walls = [],
    cpus = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    res = await fn();
    const w = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    walls.push(w);
    cpus.push((c.user + c.system) / 1e6);
  }
  return { walls, cpus, res };
}

// ---- model (low-level API) ----
let seedCounter = 1;
function makeParams(sizes) {
  const vars = [];
  for (let i = 0; i < sizes.length - 1; i++) {
    const bound = 1 / Math.sqrt(sizes[i]); // PyTorch nn.Linear default init range
    vars.push(
      tf.variable(
        tf.randomUniform([sizes[i], sizes[i + 1]], -bound, bound, 'float32', seedCounter++),
        true,
        `W${i}`,
      ),
    );
    vars.push(
      tf.variable(tf.randomUniform([sizes[i + 1]], -bound, bound, 'float32', seedCounter++), true, `b${i}`),
    );
  }
  return vars;
}
// --explicit-transpose: a dense op whose gradient is computed with explicit tf.transpose + plain
// (non-transposed) tf.matMul.  Reason: in tfjs-backend-wasm 4.22 matMul with transposeA/transposeB
// (which the built-in matMul/fused.matMul gradients use) is ~15x slower than the plain XNNPACK path.
// The first layer returns zeros for dX (its input is data, no gradient needed).
const denseXT = [true, false].map((first) =>
  tf.customGrad((x, W, b, save) => {
    save([x, W]);
    return {
      value: tf.fused.matMul({ a: x, b: W, bias: b }),
      gradFunc: (dy, [xs, Ws]) => [
        first ? tf.zerosLike(xs) : tf.matMul(dy, tf.transpose(Ws)),
        tf.matMul(tf.transpose(xs), dy),
        tf.sum(dy, 0),
      ],
    };
  }),
);
function forward(vars, x) {
  const L = vars.length / 2;
  let h = x;
  for (let i = 0; i < L; i++) {
    const W = vars[2 * i],
      b = vars[2 * i + 1];
    const last = i === L - 1;
    if (args.xT) {
      h = denseXT[i === 0 ? 0 : 1](h, W, b);
      if (!last) h = tf.relu(h);
    } else if (args.unfused) {
      h = tf.add(tf.matMul(h, W), b);
      if (!last) h = tf.relu(h);
    } else {
      h = tf.fused.matMul({ a: h, b: W, bias: b, activation: last ? 'linear' : 'relu' });
    }
  }
  return h;
}

// data: generated once, pre-split into batches (last batch may be partial), one-hot labels
function makeBatches(n, dIn, nCls, bs) {
  const X = tf.randomNormal([n, dIn], 0, 1, 'float32', 12345);
  const yInt = tf.randomUniform([n], 0, nCls, 'int32', 54321);
  const batches = [];
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    const xb = tf.slice(X, [i, 0], [m, dIn]);
    const yb = tf.tidy(() => tf.oneHot(tf.slice(yInt, [i], [m]), nCls).toFloat());
    batches.push([xb, yb]);
  }
  return { X, yInt, batches };
}

function lowlevelEpochFn(vars, opt, batches) {
  return () => {
    let last = null;
    for (let s = 0; s < batches.length; s++) {
      const [xb, yb] = batches[s];
      const wantCost = s === batches.length - 1;
      const cost = tf.tidy(() =>
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(vars, xb)), wantCost, vars),
      );
      if (wantCost) {
        last = cost.dataSync()[0];
        cost.dispose();
      }
    }
    // make sure every update has been materialised before the clock stops
    vars[vars.length - 1].dataSync();
    return last;
  };
}

function layersModel(sizes, optimizer) {
  const model = tf.sequential();
  for (let i = 0; i < sizes.length - 1; i++) {
    const last = i === sizes.length - 2;
    const bound = 1 / Math.sqrt(sizes[i]);
    model.add(
      tf.layers.dense({
        units: sizes[i + 1],
        inputShape: i === 0 ? [sizes[0]] : undefined,
        activation: last ? 'softmax' : 'relu',
        kernelInitializer: tf.initializers.randomUniform({
          minval: -bound,
          maxval: bound,
          seed: seedCounter++,
        }),
        biasInitializer: tf.initializers.randomUniform({
          minval: -bound,
          maxval: bound,
          seed: seedCounter++,
        }),
      }),
    );
  }
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

async function trainWorkload(wl, sizes, n, bs, makeOpt) {
  const { X, yInt, batches } = makeBatches(n, sizes[0], sizes[sizes.length - 1], bs);
  let fn;
  if (args.api === 'layers') {
    const yAll = tf.oneHot(yInt, sizes[sizes.length - 1]).toFloat();
    const model = layersModel(sizes, makeOpt());
    fn = async () => {
      const h = await model.fit(X, yAll, { batchSize: bs, epochs: 1, shuffle: false, verbose: 0 });
      return h.history.loss[0];
    };
  } else {
    const vars = makeParams(sizes);
    fn = lowlevelEpochFn(vars, makeOpt(), batches);
  }
  const { walls, cpus, res } = await timed(fn, args.runs);
  log(
    `${wl}: runs wall_s=[${walls.map((w) => w.toFixed(4))}] cpu/wall=[${walls.map((w, i) => (cpus[i] / w).toFixed(2))}] ` +
      `samples/run=${n} steps/run=${batches.length} final_loss=${Number(res).toFixed(4)} numTensors=${tf.memory().numTensors}`,
  );
  return median(walls);
}

const wl = args.workload;
if (wl === 'W1') {
  const sizes = [784, 256, 128, 10];
  const n = args.samples || 60000;
  const med = await trainWorkload(wl, sizes, n, 128, () => tf.train.adam(1e-3, 0.9, 0.999, 1e-8));
  emit('W1-mlp-mnist', 'samples_per_s', n / med);
  emit('W1-mlp-mnist', 'gflops_6PS', (6 * nParams(sizes) * n) / med / 1e9);
} else if (wl === 'W2') {
  const sizes = [10, 20, 2];
  const steps = 1000;
  const X = tf.randomNormal([100, 10], 0, 1, 'float32', 777);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([100], 0, 2, 'int32', 778), 2).toFloat());
  const vars = makeParams(sizes);
  const opt = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
  const run = () => {
    let last = null;
    for (let s = 0; s < steps; s++) {
      const wantCost = s === steps - 1;
      const cost = tf.tidy(() =>
        opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(vars, X)), wantCost, vars),
      );
      if (wantCost) {
        last = cost.dataSync()[0];
        cost.dispose();
      }
    }
    vars[vars.length - 1].dataSync();
    return last;
  };
  if (args.api === 'layers') throw new Error('W2 is low-level only');
  const { walls, cpus, res } = await timed(run, args.runs);
  log(
    `W2: runs wall_s=[${walls.map((w) => w.toFixed(4))}] cpu/wall=[${walls.map((w, i) => (cpus[i] / w).toFixed(2))}] ` +
      `steps/run=${steps} final_loss=${Number(res).toFixed(4)} numTensors=${tf.memory().numTensors}`,
  );
  emit('W2-seed-simplenn', 'steps_per_s', steps / median(walls));
} else if (wl === 'W3') {
  const sizes = [1024, 1024, 1024, 10];
  const n = args.samples || 20480;
  const med = await trainWorkload(wl, sizes, n, 256, () => tf.train.momentum(0.01, 0.9));
  emit('W3-wide-mlp', 'samples_per_s', n / med);
  emit('W3-wide-mlp', 'gflops_6PS', (6 * nParams(sizes) * n) / med / 1e9);
} else if (wl === 'W4') {
  // W4 cnn-fashion: Conv2d(1,32,3,p=1)-ReLU-MaxPool(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool(2)-Flatten-
  // Linear(3136,128)-ReLU-Linear(128,10), softmax cross-entropy, Adam 1e-3, batch 64, 6,400
  // standard-normal 28x28 images (NHWC, TF.js's layout), uniform labels. tf.conv2d, tf.maxPool,
  // tf.fused.matMul.
  const n = args.samples || 6400;
  const bs = 64;
  const X = tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', 777);
  const yInt = tf.randomUniform([n], 0, 10, 'int32', 778);
  const batches = [];
  for (let i = 0; i < n; i += bs) {
    const m = Math.min(bs, n - i);
    batches.push([
      tf.slice(X, [i, 0, 0, 0], [m, 28, 28, 1]),
      tf.tidy(() => tf.oneHot(tf.slice(yInt, [i], [m]), 10).toFloat()),
    ]);
  }
  const uniformVar = (shape, fanIn) =>
    tf.variable(
      tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), 'float32', seedCounter++),
    );
  const vars = [
    uniformVar([3, 3, 1, 32], 9),
    uniformVar([32], 9),
    uniformVar([3, 3, 32, 64], 288),
    uniformVar([64], 288),
    uniformVar([3136, 128], 3136),
    uniformVar([128], 3136),
    uniformVar([128, 10], 128),
    uniformVar([10], 128),
  ];
  // The WASM backend has no Conv2DBackpropFilter kernel (tf.conv2d's weight gradient throws), so
  // the convolution's gradient is given by hand: the input gradient is tf.conv2dTranspose (kernel
  // Conv2DBackpropInput), the weight gradient the backend's Conv3DBackpropFilterV2 over a depth of 1.
  const conv2dSame = tf.customGrad((x, w, save) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (dy, [xs, ws]) => {
        const dx = tf.conv2dTranspose(dy, ws, xs.shape, 1, 'same');
        const [n, h, wd, ci] = xs.shape;
        const co = ws.shape[3];
        const dw = tf
          .engine()
          .runKernel(
            'Conv3DBackpropFilterV2',
            { x: tf.reshape(xs, [n, 1, h, wd, ci]), dy: tf.reshape(dy, [n, 1, h, wd, co]) },
            { strides: [1, 1, 1, 1, 1], pad: 'same', filterShape: [1, ...ws.shape] },
          );
        return [dx, tf.reshape(dw, ws.shape)];
      },
    };
  });
  const cnnForward = (x) => {
    const conv = (h, w, b) => tf.maxPool(tf.relu(tf.add(conv2dSame(h, w), b)), 2, 2, 'valid');
    let h = conv(x, vars[0], vars[1]);
    h = conv(h, vars[2], vars[3]);
    h = tf.reshape(h, [h.shape[0], 3136]);
    h = tf.fused.matMul({ a: h, b: vars[4], bias: vars[5], activation: 'relu' });
    return tf.fused.matMul({ a: h, b: vars[6], bias: vars[7] });
  };
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const run = () => {
    let last = null;
    for (let s = 0; s < batches.length; s++) {
      const [xb, yb] = batches[s];
      const wantCost = s === batches.length - 1;
      const cost = tf.tidy(() =>
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, cnnForward(xb)), wantCost, vars),
      );
      if (wantCost) {
        last = cost.dataSync()[0];
        cost.dispose();
      }
    }
    vars[vars.length - 1].dataSync();
    return last;
  };
  const { walls, cpus, res } = await timed(run, args.runs);
  log(
    `W4: runs wall_s=[${walls.map((w) => w.toFixed(4))}] cpu/wall=[${walls.map((w, i) => (cpus[i] / w).toFixed(2))}] ` +
      `samples/run=${n} final_loss=${Number(res).toFixed(4)} numTensors=${tf.memory().numTensors}`,
  );
  emit('W4-cnn-fashion', 'samples_per_s', n / median(walls));
} else if (wl === 'M1') {
  for (const [name, m, k, nn] of [
    ['M1a-1024x1024x1024', 1024, 1024, 1024],
    ['M1b-128x784x256', 128, 784, 256],
  ]) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal([k, nn], 0, 1, 'float32', 2);
    const flops = 2 * m * k * nn;
    const once = () => {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    };
    once();
    const t0 = performance.now();
    once();
    once();
    const per = (performance.now() - t0) / 2000;
    const reps = Math.max(3, Math.round(1.0 / per));
    const run = () => {
      for (let r = 0; r < reps; r++) once();
    };
    const { walls, cpus } = await timed(run, args.runs);
    const gf = walls.map((w) => (reps * flops) / w / 1e9);
    log(
      `${name}: reps/run=${reps} GFLOP/s per run=[${gf.map((g) => g.toFixed(2))}] cpu/wall=[${walls.map((w, i) => (cpus[i] / w).toFixed(2))}]`,
    );
    emit(name, 'gflops', median(gf));
  }
} else {
  throw new Error('unknown workload ' + wl);
}
