/**
 * The cores a worker process's running jobs share for their matrix products (intra-op threads).
 * Each job holds its share in a one-element Int32Array over shared memory, which its training
 * thread reads between steps: a lone job gets every core, and when jobs start or end the cores are
 * split again evenly (the earliest jobs get any remainder), never below one per job. Results do not
 * depend on the thread count, so a share may change mid-run.
 */
export class CoreBudget {
  private readonly shares: Int32Array[] = [];

  constructor(readonly cores: number) {
    if (!Number.isInteger(cores) || cores < 1) throw new RangeError(`CoreBudget: invalid cores ${cores}`);
  }

  /** A share for a job that starts now; give it back with `leave`. */
  join(): Int32Array {
    const share = new Int32Array(new SharedArrayBuffer(4));
    this.shares.push(share);
    this.split();
    return share;
  }

  leave(share: Int32Array): void {
    const i = this.shares.indexOf(share);
    if (i >= 0) this.shares.splice(i, 1);
    this.split();
  }

  private split(): void {
    const n = this.shares.length;
    const base = Math.max(1, Math.floor(this.cores / n));
    const extra = this.cores > n ? this.cores % n : 0;
    this.shares.forEach((share, i) => {
      Atomics.store(share, 0, base + (i < extra ? 1 : 0));
    });
  }
}
