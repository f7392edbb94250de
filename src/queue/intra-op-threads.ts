/**
 * The training thread's side of the worker's core budget (core-budget.ts): between steps it reads
 * the job's share and runs the matrix products on that many threads (a GemmThreadPool per size,
 * made on first use), or on this thread alone when the share is one or the SIMD kernel is missing.
 */
import { setGemmRunner, simdGemm } from '../engine/kernels/gemm.js';
import { GemmThreadPool } from '../engine/kernels/gemm-threads.js';

export class IntraOpThreads {
  private readonly pools = new Map<number, GemmThreadPool>();
  private current = 1;
  /** The most threads the products ran on so far. */
  maxUsed = 1;

  /** `share`: the job's share of the worker's cores; null runs on this thread alone. */
  constructor(private readonly share: Int32Array | null) {
    this.update();
  }

  /** Follows the share (call between steps). */
  update(): void {
    const share = this.share === null ? 1 : Math.max(1, Atomics.load(this.share, 0));
    const want = share > 1 && simdGemm({ shared: true }) !== null ? share : 1;
    if (want === this.current) return;
    this.current = want;
    if (want === 1) {
      setGemmRunner(null);
      return;
    }
    let pool = this.pools.get(want);
    if (pool === undefined) {
      pool = GemmThreadPool.create(want);
      this.pools.set(want, pool);
    }
    setGemmRunner(pool);
    this.maxUsed = Math.max(this.maxUsed, want);
  }

  /** Back to this thread alone; the pools' threads exit. */
  async close(): Promise<void> {
    setGemmRunner(null);
    this.current = 1;
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
