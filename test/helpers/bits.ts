/** What the bitwise-equality tests of fused and fast kernel paths share. */
import { randn as engineRandn } from '../../src/engine/creation.js';
import type { Generator } from '../../src/engine/random.js';
import type { Tensor } from '../../src/engine/tensor.js';

/** A float32 array's bit patterns, so that -0 ≠ 0 and NaNs compare by payload. */
export function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
}

/** Standard normal values from `g` (the engine's `randn`, positional for brevity). */
export function randn(shape: readonly number[], g: Generator, requiresGrad = false): Tensor {
  return engineRandn([...shape], { generator: g, requiresGrad });
}
