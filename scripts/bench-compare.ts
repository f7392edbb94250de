/**
 * `npm run bench:compare`: the engine's workloads beside PyTorch (one thread, Debian's python3-torch
 * at /usr/bin/python3, skipped with a message if absent) and TensorFlow.js (WASM backend, a dev
 * dependency) in the same run, then the ratios as a Markdown table. The anchor scripts are copies
 * of the shared ones in bench/anchors/ (same workload definitions).
 *
 * These machines are shared and their speed drifts within minutes, so the engine and PyTorch are
 * measured side by side, workload by workload, for `--rounds` rounds (default 2), and each side's
 * best round is compared: a slow spell then costs both alike instead of whichever ran in it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { gemmBackend } from '../src/engine/kernels/gemm.js';
import {
  type Figure,
  formatFigure,
  peakRssInChild,
  runWorkload,
  WORKLOADS,
  withThreads,
} from './bench-workloads.js';

const PYTHON = '/usr/bin/python3';
const anchors = (file: string) => fileURLToPath(new URL(`../bench/anchors/${file}`, import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The last value of `metric` in anchor output lines `framework workload threads metric value`. */
function anchorValue(stdout: string, metric: string): number | null {
  let found: number | null = null;
  for (const line of stdout.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 5 && parts[3] === metric) found = Number(parts[4]);
  }
  return found;
}

function torchAvailable(): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function runTorch(workload: string, metric: string): number | null {
  // Three timed runs, the median reported (the engine's runWorkload does the same).
  const out = execFileSync(
    PYTHON,
    [anchors('torch_bench.py'), '--threads', '1', '--workload', workload, '--runs', '3'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return anchorValue(out, metric);
}

/** W5 lstm-seq in PyTorch: bench/torch_w5.py (not one of the shared anchors). */
function runTorchW5(): number | null {
  const script = fileURLToPath(new URL('../bench/torch_w5.py', import.meta.url));
  const out = execFileSync(PYTHON, [script, '--runs', '3'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return anchorValue(out, 'samples_per_s');
}

/** W4 cnn-fashion in PyTorch: bench/torch_w4.py; with `config`, torch's build and threads too. */
function runTorchW4(config = false): number | null {
  const script = fileURLToPath(new URL('../bench/torch_w4.py', import.meta.url));
  const out = execFileSync(PYTHON, [script, '--runs', '3', ...(config ? ['--config'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (config) for (const line of out.split('\n')) if (line.startsWith('#')) console.log(line);
  return anchorValue(out, 'samples_per_s');
}

function runTfjs(workload: string, metric: string, extra: string[] = []): number | null {
  const out = execFileSync(
    process.execPath,
    [anchors('tfjs_bench.mjs'), '--backend', 'wasm', '--workload', workload, '--runs', '3', ...extra],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ANCHORS_NPM_DIR: repoRoot },
    },
  );
  return anchorValue(out, metric);
}

const fmt = (v: number | null, digits = 0) =>
  v === null ? 'n/a' : v.toLocaleString('en-US', { maximumFractionDigits: digits });
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null ? 'n/a' : `${(a / b).toFixed(2)}×`;

const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Math.max(1, Number(process.argv[roundsFlag + 1]) || 1) : 2;

const torch = torchAvailable();
if (!torch) console.log(`# PyTorch skipped: ${PYTHON} with torch is not installed`);

// Each side's best value per figure over the rounds; the engine and PyTorch alternate per workload.
const ours = new Map<string, Figure>();
const torchBest = new Map<string, number>();
const keep = (f: Figure) => {
  const key = `${f.workload} ${f.metric}`;
  const seen = ours.get(key);
  if (seen === undefined || f.value > seen.value) ours.set(key, f);
};
const torchMetric: Record<string, string> = {
  W1: 'samples_per_s',
  W2: 'steps_per_s',
  W3: 'gflops_6PS',
  W4: 'samples_per_s',
  W5: 'samples_per_s',
};
// PyTorch's build configuration and thread settings (BLAS, oneDNN, OpenMP), once, for the record.
if (torch) runTorchW4(true);
for (let round = 0; round < ROUNDS; round++) {
  for (const id of WORKLOADS) {
    for (const f of runWorkload(id)) keep(f);
    if (id === 'W1' || id === 'W4') {
      for (const f of await withThreads(2, () => runWorkload(id)))
        keep({ ...f, metric: `${f.metric}_2threads` });
    }
    const value = !torch
      ? null
      : id === 'W5'
        ? runTorchW5()
        : id === 'W4'
          ? runTorchW4()
          : runTorch(id, torchMetric[id]);
    if (value !== null) torchBest.set(id, Math.max(value, torchBest.get(id) ?? 0));
  }
}
for (const f of ours.values()) console.log(formatFigure(f));
const get = (workload: string, metric: string) => ours.get(`${workload} ${metric}`)?.value ?? null;
const pt = (w: string) => torchBest.get(w) ?? null;

// TensorFlow.js, once: it is far behind, so its drift does not decide anything.
const rows = [
  {
    label: 'W1 mlp-mnist, samples/s',
    ours: get('W1', 'samples_per_s'),
    torch: pt('W1'),
    tfjs: runTfjs('W1', 'samples_per_s'),
    tfjsBest: runTfjs('W1', 'samples_per_s', ['--explicit-transpose']),
  },
  {
    label: 'W2 seed-simplenn, steps/s',
    ours: get('W2', 'steps_per_s'),
    torch: pt('W2'),
    tfjs: runTfjs('W2', 'steps_per_s'),
    tfjsBest: null,
  },
  {
    // TF.js takes minutes for W3 (≈1 GFLOP/s), so it is not run here.
    label: 'W3 wide-mlp, GFLOP/s',
    ours: get('W3', 'gflops'),
    torch: pt('W3'),
    tfjs: null,
    tfjsBest: null,
  },
  {
    // TF.js takes about 80 s per 6,400 samples here: it runs 640 (samples/s does not depend on it).
    label: 'W4 cnn-fashion, samples/s',
    ours: get('W4', 'samples_per_s'),
    torch: pt('W4'),
    tfjs: runTfjs('W4', 'samples_per_s', ['--samples', '640']),
    tfjsBest: null,
  },
  {
    label: 'W4 with 2 threads, samples/s (vs PyTorch 1 thread)',
    ours: get('W4', 'samples_per_s_2threads'),
    torch: pt('W4'),
    tfjs: null,
    tfjsBest: null,
  },
  {
    label: 'W5 lstm-seq, samples/s',
    ours: get('W5', 'samples_per_s'),
    torch: pt('W5'),
    tfjs: null,
    tfjsBest: null,
  },
  {
    label: 'W1 with 2 threads, samples/s (vs PyTorch 1 thread)',
    ours: get('W1', 'samples_per_s_2threads'),
    torch: pt('W1'),
    tfjs: null,
    tfjsBest: null,
  },
];

console.log('');
console.log(cpuLine());
console.log(
  '| workload | Trainyard | PyTorch 1.13, 1 thread | TF.js WASM (with input-grad workaround) | Trainyard / PyTorch | Trainyard / TF.js (workaround) |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const digits = r.label.includes('GFLOP') ? 1 : 0;
  const tf =
    r.tfjs === null
      ? 'n/a'
      : `${fmt(r.tfjs, digits)}${r.tfjsBest === null ? '' : ` (${fmt(r.tfjsBest, digits)})`}`;
  const tfRatio =
    r.tfjs === null
      ? 'n/a'
      : `${ratio(r.ours, r.tfjs)}${r.tfjsBest === null ? '' : ` (${ratio(r.ours, r.tfjsBest)})`}`;
  console.log(
    `| ${r.label} | ${fmt(r.ours, digits)} | ${fmt(r.torch, digits)} | ${tf} | ${ratio(r.ours, r.torch)} | ${tfRatio} |`,
  );
}
const w4Rss = peakRssInChild(fileURLToPath(new URL('./bench.ts', import.meta.url)), 'W4');
console.log('');
console.log(`W4 peak RSS (the engine, W4 alone in its own process): ${fmt(w4Rss)} MB`);
console.log(
  `Load average while measuring (1, 5, 15 min): ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`,
);

/**
 * The CPU the ratios were measured on. PyTorch's OpenBLAS picks its widest vector unit (AVX-512
 * does 16 float32 FMAs per instruction, AVX2 8), while WebAssembly SIMD is 4 lanes on every
 * machine, so the gemm-bound ratios (W1, W3) depend on it. The engine's kernel is named too: it
 * runs the scalar loop where the CPU has no FMA.
 */
function cpuLine(): string {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return `CPU: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores (the engine's kernel: ${gemmBackend()})`;
  }
  const flags = new Set(/^flags\s*:\s*(.*)$/m.exec(info)?.[1].split(/\s+/) ?? []);
  const widest = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : 'SSE';
  const fma = flags.has('fma') ? ' with FMA' : '';
  return `CPU: ${os.cpus()[0]?.model.trim() ?? 'unknown'}, ${os.cpus().length} cores, ${widest}${fma} (PyTorch's widest vectors; the engine's kernel: ${gemmBackend()}, 128-bit)`;
}
