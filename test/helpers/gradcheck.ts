/**
 * Finite-difference gradient check. The function's output is reduced with fixed random weights
 * (so every output element matters), the analytic gradient comes from backward(), and the
 * numerical one from central differences on each input element.
 */
import { Generator } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';

export interface GradcheckResult {
  maxError: number;
  worst: string;
}

export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  { eps = 1e-2, atol = 2e-3, rtol = 2e-2, seed = 1 } = {},
): GradcheckResult {
  const rng = new Generator(seed);
  for (const t of inputs) t.requiresGrad = true;
  const probe = fn(...inputs);
  const weights = Float32Array.from({ length: probe.size }, () => rng.uniform(0.5, 1.5));
  const objective = (): number => {
    const out = fn(...inputs);
    let s = 0;
    for (let i = 0; i < out.size; i++) s += out.data[i] * weights[i];
    return s;
  };
  for (const t of inputs) t.grad = null;
  const out = fn(...inputs);
  out.backward(new Tensor(weights.slice(), out.shape));
  let maxError = 0;
  let worst = 'none';
  inputs.forEach((t, k) => {
    for (let i = 0; i < t.size; i++) {
      const saved = t.data[i];
      t.data[i] = saved + eps;
      const plus = objective();
      t.data[i] = saved - eps;
      const minus = objective();
      t.data[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = t.grad?.data[i] ?? 0;
      const excess = Math.abs(numeric - analytic) - (atol + rtol * Math.abs(numeric));
      if (excess > maxError) {
        maxError = excess;
        worst = `input ${k} element ${i}: analytic ${analytic}, numeric ${numeric}`;
      }
    }
  });
  return { maxError, worst };
}

/** A tensor of uniform values in [low, high), seeded. */
export function randomTensor(shape: number[], seed: number, low = -1, high = 1): Tensor {
  const rng = new Generator(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(
    Float32Array.from({ length: n }, () => rng.uniform(low, high)),
    shape,
  );
}
