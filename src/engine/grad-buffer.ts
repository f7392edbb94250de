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
 * `.grad` only through `accumulateGrad`, which copies the small ones (tensor.ts), so once the pass
 * ends no view holds its slab and the slab is garbage. A long-lived view would pin its whole slab, so
 * forward outputs (tensor data, which users keep) do not come from here.
 *
 * A larger buffer is a plain `new Float32Array(n)` that, by the same rule, only the backward walk
 * holds once its closure returns it. Such buffers are remembered, so that a leaf's first gradient
 * of a pass can become its `.grad` as is instead of being copied (as PyTorch's AccumulateGrad steals
 * a gradient nobody else references): W1 would otherwise copy 1 MB of weight gradients a step.
 *
 * Large buffers whose holder is done with them come back through `releaseGradBuffer`: the backward
 * walk releases a node's incoming gradient once its closure has run, `zeroGrad({ reuse: true })`
 * the gradients it drops, and `Tensor.releaseGraph` a finished step's intermediate results.
 * `gradBuffer` and `outputBuffer` hand them out again, zero-filled, so a training loop in steady
 * state allocates almost nothing: fewer collections, a smaller resident set, and two training
 * threads in one process no longer slow each other down faulting in fresh pages.
 */

const SLAB_BYTES = 256 * 1024;
/** Larger gradients are allocated on their own: their allocation cost is small beside their use. */
const MAX_POOLED_BYTES = 16 * 1024;
/**
 * Typed arrays up to this size live in V8's heap and cost next to nothing; past it each one gets
 * its own backing store (2.5 µs for 100 floats on Node 20, collection included), so released
 * buffers past it are worth keeping.
 */
const ON_HEAP_BYTES = 64;

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

/** Whether `g` came from `gradBuffer` on its own allocation and only the backward walk holds it. */
export function isWalkOwned(g: Float32Array): boolean {
  return walkOwned.has(g);
}

/**
 * Whether `g` came from `gradBuffer` on its own allocation and nothing else holds it, so a leaf may
 * keep it without a copy; it is the caller's from then on (asking again gives false).
 */
export function takeWalkOwned(g: Float32Array): boolean {
  return walkOwned.delete(g);
}

type Spare = Float32Array | Float64Array;

/**
 * Released standalone buffers by element type and length, to be handed out again; bounded in
 * count per length and in bytes overall.
 */
const spares32 = new Map<number, Float32Array[]>();
const spares64 = new Map<number, Float64Array[]>();
const MAX_SPARES_PER_LENGTH = 8;
const MAX_SPARE_BYTES = 64 * 1024 * 1024;
let spareBytes = 0;

function keep<T extends Spare>(spares: Map<number, T[]>, buf: T): void {
  const bytes = buf.byteLength;
  if (bytes <= ON_HEAP_BYTES || buf.byteOffset !== 0 || buf.buffer.byteLength !== bytes) return;
  if (spareBytes + bytes > MAX_SPARE_BYTES) return;
  let list = spares.get(buf.length);
  if (list === undefined) {
    list = [];
    spares.set(buf.length, list);
  }
  if (list.length >= MAX_SPARES_PER_LENGTH || list.includes(buf)) return;
  list.push(buf);
  spareBytes += bytes;
}

function reuse<T extends Spare>(spares: Map<number, T[]>, n: number, bytesPer: number): T | undefined {
  return takeSpare(spares, n, bytesPer)?.fill(0) as T | undefined;
}

/** A spare of `n` values as it was given back (not zero-filled), or undefined. */
function takeSpare<T extends Spare>(spares: Map<number, T[]>, n: number, bytesPer: number): T | undefined {
  const spare = n * bytesPer > ON_HEAP_BYTES ? spares.get(n)?.pop() : undefined;
  if (spare !== undefined) spareBytes -= spare.byteLength;
  return spare;
}

/**
 * Gives back a gradient buffer nothing will read or write again, for `gradBuffer` to reuse. Only
 * standalone buffers past V8's on-heap size are kept (a view could alias other memory); giving back
 * a buffer something still holds would let two gradients share memory, so callers must be sure.
 */
export function releaseGradBuffer(buf: Float32Array): void {
  walkOwned.delete(buf);
  keep(spares32, buf);
}

/** Lets go of every released buffer (a finished training run's memory goes back to the collector). */
export function dropGradBufferSpares(): void {
  spares32.clear();
  spares64.clear();
  spareBytes = 0;
}

/**
 * A zero-filled Float32Array(n) of its own, from released memory when there is some: for an op's
 * output, which may live as long as its user likes (it is not the walk's, unlike `gradBuffer`'s).
 */
export function outputBuffer(n: number): Float32Array {
  return reuse(spares32, n, 4) ?? new Float32Array(n);
}

/**
 * Like `outputBuffer`, but not zero-filled: a released buffer comes back with whatever it held. Only
 * for buffers the caller overwrites entirely before anything reads them (a product's output, im2col
 * columns that write their padding zeros), where the fill is a wasted pass over memory.
 */
export function outputBufferUnfilled(n: number): Float32Array {
  return takeSpare(spares32, n, 4) ?? new Float32Array(n);
}

/**
 * A zero-filled Float64Array(n) of its own for what an op saves in its forward pass for its
 * backward closure (log-probabilities, say): the op hands it to `Tensor.fromOp` as `saved`, and
 * `releaseGraph` gives it back here once that closure can no longer run.
 */
export function savedBuffer64(n: number): Float64Array {
  return reuse(spares64, n, 8) ?? new Float64Array(n);
}

/** Gives back a `savedBuffer64` nothing will read or write again (see releaseGradBuffer). */
export function releaseSaved64(buf: Float64Array): void {
  keep(spares64, buf);
}

/** A zero-filled Float32Array(n) for a gradient that does not outlive the backward pass. */
export function gradBuffer(n: number): Float32Array {
  const bytes = n * 4;
  if (bytes > MAX_POOLED_BYTES) {
    const own = outputBuffer(n);
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
