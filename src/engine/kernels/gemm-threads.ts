/**
 * Intra-op parallelism for the SIMD matrix product: a pool of worker threads that share this
 * thread's WebAssembly memory and each run a module export over part of its range: the kernel
 * over some of C's row blocks, a packer over some of the panels. Only rows and panels are split
 * (never the reduction), so every element is computed exactly as on one thread and results are
 * bitwise independent of the thread count. The range is dealt out in chunks from a shared counter,
 * so a thread that starts late or runs slower takes fewer chunks instead of holding the others up.
 *
 * Opt-in and the engine's only impure part: nothing starts threads unless `GemmThreadPool.create`
 * is called and the pool installed with `setGemmRunner`. Workers are unref'd (they never keep the
 * process alive) and `close()` stops them. The protocol is a few Int32 slots per worker in a
 * SharedArrayBuffer. The caller writes the export and its arguments, marks the slot posted, bumps
 * `seq` and notifies, then takes chunks itself. A worker that wakes claims the call (posted → busy)
 * before it reads anything, takes chunks, and marks the slot idle. When the caller runs out of
 * chunks it takes back a call no worker has claimed (posted → idle), so a sleeping worker costs
 * nothing; it waits only for a worker still inside a chunk.
 */
import { Worker } from 'node:worker_threads';
import { simdGemm } from './gemm.js';
import { GEMM_EXPORTS } from './gemm-simd-module.js';
import type { KernelCall, KernelFn, RangeRunner, SimdGemm } from './gemm-wasm.js';

const SLOT = 16;
// Slot 0 (the calling thread has no slot of its own) holds the call's range and its counter.
const NEXT = 0; // the start of the next chunk not yet taken
const END = 1;
const CHUNK = 2;
// Each worker's slot.
const SEQ = 0;
const STATE = 1; // IDLE, POSTED or BUSY
const FN = 2; // the export, an index into GEMM_EXPORTS
const NARGS = 3; // how many arguments follow (the range is not among them)
const ARGS = 4;
const STOP = -1;
const IDLE = 0;
const POSTED = 1;
const BUSY = 2;
/**
 * Chunks per thread. More even out a late start better, but each chunk re-reads the packed panels
 * of B: with 8, W3's large products on 2 threads were 2-5% slower than fixed halves; with 2 they
 * are level, and W1's small ones still gain.
 */
const CHUNKS_PER_THREAD = 2;
/** Polls of a shared slot before a thread blocks on it (a few tens of microseconds). */
const SPIN = 20_000;
/** Below this many multiply-adds a call runs on the calling thread only. */
const PARALLEL_MIN_WORK = 1 << 18;

// Plain JavaScript (an eval'd CommonJS worker) so it runs the same under tsx, vitest and node.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = ${JSON.stringify(GEMM_EXPORTS)}.map((name) => exports[name]);
const c = new Int32Array(control);
const base = slot * ${SLOT};
let seen = 0;
for (;;) {
  // Spin briefly before sleeping: products come in bursts, and waking a sleeping thread costs
  // tens of microseconds.
  for (let i = 0; i < ${SPIN} && Atomics.load(c, base + ${SEQ}) === seen; i++);
  Atomics.wait(c, base + ${SEQ}, seen);
  const seq = Atomics.load(c, base + ${SEQ});
  if (seq === seen) continue;
  if (seq === ${STOP}) break;
  seen = seq;
  // Claim the call before reading it; if the caller took it back, there is nothing to do.
  if (Atomics.compareExchange(c, base + ${STATE}, ${POSTED}, ${BUSY}) !== ${POSTED}) continue;
  const fn = fns[c[base + ${FN}]];
  const args = Array.from(c.subarray(base + ${ARGS}, base + ${ARGS} + c[base + ${NARGS}]));
  const end = c[${END}];
  const chunk = c[${CHUNK}];
  for (let lo = Atomics.add(c, ${NEXT}, chunk); lo < end; lo = Atomics.add(c, ${NEXT}, chunk)) {
    fn(...args, lo, Math.min(lo + chunk, end));
  }
  Atomics.store(c, base + ${STATE}, ${IDLE});
  Atomics.notify(c, base + ${STATE});
}
`;

export class GemmThreadPool implements RangeRunner {
  readonly minWork = PARALLEL_MIN_WORK;
  private readonly control: Int32Array;
  private readonly workers: Worker[] = [];
  private seq = 0;
  private closed = false;

  private constructor(
    readonly threads: number,
    simd: SimdGemm,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(threads * SLOT * 4));
    for (let slot = 1; slot < threads; slot++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: simd.module, memory: simd.memory, control: this.control.buffer, slot },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** A pool of `threads` threads in all (this one included) over this thread's kernel memory. */
  static create(threads: number): GemmThreadPool {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`GemmThreadPool: invalid threads ${threads}`);
    const simd = simdGemm({ shared: true });
    if (simd === null)
      throw new Error('GemmThreadPool: the SIMD kernel is not available here (gemmBackend() is scalar)');
    return new GemmThreadPool(threads, simd);
  }

  run(call: KernelCall, fns: readonly KernelFn[]): void {
    const fn = fns[call.fn];
    const parts = Math.min(this.threads, call.range);
    if (this.closed || parts < 2 || call.work < PARALLEL_MIN_WORK) {
      fn(...call.args, 0, call.range);
      return;
    }
    const c = this.control;
    const seq = ++this.seq;
    const end = call.range;
    const chunk = Math.max(1, Math.ceil(end / (parts * CHUNKS_PER_THREAD)));
    c[NEXT] = 0;
    c[END] = end;
    c[CHUNK] = chunk;
    for (let t = 1; t < parts; t++) {
      c[t * SLOT + FN] = call.fn;
      c[t * SLOT + NARGS] = call.args.length;
      c.set(call.args, t * SLOT + ARGS);
      Atomics.store(c, t * SLOT + STATE, POSTED); // publishes the writes above
      Atomics.store(c, t * SLOT + SEQ, seq);
      Atomics.notify(c, t * SLOT + SEQ);
    }
    for (let lo = Atomics.add(c, NEXT, chunk); lo < end; lo = Atomics.add(c, NEXT, chunk)) {
      fn(...call.args, lo, Math.min(lo + chunk, end));
    }
    // Take back calls no worker claimed; wait for workers still inside a chunk, since the slots
    // and the counter are written again by the next call.
    for (let t = 1; t < parts; t++) {
      const state = t * SLOT + STATE;
      if (Atomics.compareExchange(c, state, POSTED, IDLE) === POSTED) continue;
      for (let i = 0; i < SPIN && Atomics.load(c, state) === BUSY; i++);
      while (Atomics.load(c, state) === BUSY) Atomics.wait(c, state, BUSY);
    }
  }

  /** Stops the workers; later calls run on the calling thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let t = 1; t < this.threads; t++) {
      Atomics.store(this.control, t * SLOT + SEQ, STOP);
      Atomics.notify(this.control, t * SLOT + SEQ);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
