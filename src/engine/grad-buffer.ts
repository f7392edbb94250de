/**
 * Cheap zero-filled buffers for the gradients that backward closures return.
 *
 * `new Float32Array(n)` costs about a microsecond once n passes V8's on-heap limit (64 bytes): an
 * off-heap backing store, zeroing and external-memory accounting. A small model's training step
 * makes a dozen such gradients, so that was a large part of its time. These buffers are views
 * bump-allocated from 256 KB slabs instead: a fresh slab is zero-filled and memory is never handed
 * out twice, so a buffer is exactly what `new Float32Array(n)` would give.
 *
 * Only for buffers that live no longer than one `backward()` pass: a closure's gradients reach
 * `.grad` only through `accumulateGrad`, which copies them (tensor.ts), so once the pass ends no
 * view holds its slab and the slab is garbage. A long-lived view would pin its whole slab, so
 * forward outputs (tensor data, which users keep) do not come from here.
 *
 * A larger buffer is a plain `new Float32Array(n)` that, by the same rule, only the backward walk
 * holds once its closure returns it. Such buffers are remembered, so that a leaf's first gradient
 * of a pass can become its `.grad` as is instead of being copied (as PyTorch's AccumulateGrad steals
 * a gradient nobody else references): W1 would otherwise copy 1 MB of weight gradients a step.
 */

const SLAB_BYTES = 256 * 1024;
/** Larger buffers are allocated on their own: their allocation cost is small beside their use. */
const MAX_POOLED_BYTES = 16 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let offset = 0;

function take(bytes: number): number {
  if (offset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    offset = 0;
  }
  const at = offset;
  offset += (bytes + 15) & ~15; // 16-byte aligned, whatever the element type
  return at;
}

/** Standalone gradient buffers that nothing but the backward walk references. */
const walkOwned = new WeakSet<Float32Array>();

/**
 * Whether `g` came from `gradBuffer` on its own allocation and nothing else holds it, so a leaf may
 * keep it without a copy; it is the caller's from then on (asking again gives false).
 */
export function takeWalkOwned(g: Float32Array): boolean {
  return walkOwned.delete(g);
}

/** A zero-filled Float32Array(n) for a gradient that does not outlive the backward pass. */
export function gradBuffer(n: number): Float32Array {
  const bytes = n * 4;
  if (bytes > MAX_POOLED_BYTES) {
    const own = new Float32Array(n);
    walkOwned.add(own);
    return own;
  }
  const at = take(bytes);
  return new Float32Array(slab, at, n);
}

/** A zero-filled Float64Array(n) scratch of a backward closure, with `gradBuffer`'s lifetime rule. */
export function gradScratch64(n: number): Float64Array {
  const bytes = n * 8;
  if (bytes > MAX_POOLED_BYTES) return new Float64Array(n);
  const at = take(bytes);
  return new Float64Array(slab, at, n);
}
