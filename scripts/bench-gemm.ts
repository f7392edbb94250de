/**
 * `npx tsx scripts/bench-gemm.ts`: raw matrix-product GFLOP/s of the engine's kernel (the anchors'
 * M1 micro-benchmark), for each transpose variant. Not part of `npm run bench`.
 */
import { gemmInto } from '../src/engine/kernels/gemm.js';

const SHAPES: [string, number, number, number][] = [
  ['M1a-1024x1024x1024', 1024, 1024, 1024],
  ['M1b-128x784x256', 128, 784, 256],
];

for (const [name, m, k, n] of SHAPES) {
  const a = Float32Array.from({ length: m * k }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: k * n }, () => Math.random() - 0.5);
  const out = new Float32Array(m * n);
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
  ]) {
    const run = () => gemmInto(a, b, out, m, k, n, { transA, transB });
    run();
    const t0 = performance.now();
    let reps = 0;
    while (performance.now() - t0 < 1000) {
      run();
      reps++;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `${name} transA=${transA} transB=${transB} gflops ${((2 * m * k * n * reps) / seconds / 1e9).toFixed(1)}`,
    );
  }
}
