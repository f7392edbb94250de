/**
 * Issue 18, item 1, through the worker's own protocol: runTraining (a fresh training thread per
 * attempt, as a new worker process has), checkpoints as the bytes the worker commits, epochs
 * batched with only the newest checkpoint while a commit is slow. Issue 18's reported job (inline
 * data packed as the API stores it) is interrupted mid-epoch right after a commit, or while a
 * commit is still in flight (that commit never lands, as when the worker dies during the write),
 * around StepLR's step at epoch 10, on one core or two; a new thread resumes it from the last
 * commit that landed. It must end with the calm run's weights, bitwise. A control resumed with
 * the generator one shuffle further on must not (the dropout and shuffle state matter).
 */
import { describe, expect, it } from 'vitest';
import { issue18Job } from '../../scripts/lib/chaos.js';
import { Generator } from '../../src/engine/random.js';
import type { ResumePoint, ThreadTensor } from '../../src/queue/thread-protocol.js';
import { type RunOutcome, runTraining } from '../../src/queue/training-runner.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/training/checkpoint-codec.js';
import { packData } from '../../src/training/data.js';
import type { EpochMetrics } from '../../src/training/results.js';

const EPOCHS = 14;
const job = issue18Job(EPOCHS);
const { data, name: _name, ...spec } = job;
const input = JSON.stringify({ spec, data: packData(data), init_state_dict: null });
const SAMPLES = data.x.length;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tensors as one string of names, shapes and float32 bytes: equal strings, equal bits. */
function bits(tensors: ThreadTensor[]): string {
  return tensors
    .map(
      (t) =>
        `${t.name}[${t.shape}]:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`,
    )
    .join(';');
}

interface Interrupt {
  /** Stop once a commit holding this epoch has been made (or, with commitMs, attempted). */
  after: number;
  /** How long the commit holding `after` takes (0: no time); the stop then lands while it is in flight. */
  commitMs: number;
  /** Delay of the stop, in ms. */
  delayMs: number;
}

interface Attempt {
  outcome: RunOutcome;
  /** The last commit that landed, as the next attempt reads it back. */
  committed: (ResumePoint & { epoch: number }) | null;
}

/** One attempt at the job on a fresh thread, committing like the worker, maybe interrupted. */
async function attempt(resume: ResumePoint | null, cores: number, interrupt?: Interrupt): Promise<Attempt> {
  const controller = new AbortController();
  const share = new Int32Array(new SharedArrayBuffer(4));
  share[0] = cores;
  let committed: Attempt['committed'] = null;
  const history: EpochMetrics[] = [...(resume?.history ?? [])];
  const outcome = await runTraining({
    input,
    init: null,
    resume,
    cores: share,
    signal: controller.signal,
    onEpochs: async ({ metrics, checkpoint }) => {
      const last = metrics[metrics.length - 1].epoch;
      const stopHere = interrupt !== undefined && last >= interrupt.after && !controller.signal.aborted;
      if (stopHere && interrupt.commitMs > 0) {
        setTimeout(() => controller.abort(), interrupt.delayMs);
        await sleep(interrupt.commitMs); // training goes on; the epochs that end meanwhile wait
      }
      if (controller.signal.aborted) return; // the process died before the commit landed
      history.push(...metrics);
      // A copy, as Redis hands it back (the thread transferred this buffer to us).
      committed = { epoch: last, checkpoint: Buffer.from(checkpoint), history: [...history] };
      if (stopHere && interrupt.commitMs === 0) setTimeout(() => controller.abort(), interrupt.delayMs);
    },
  });
  return { outcome, committed };
}

function tensorsOf(outcome: RunOutcome): ThreadTensor[] {
  if (outcome.type !== 'completed')
    throw new Error(`expected a completed run, got ${JSON.stringify(outcome)}`);
  return outcome.tensors;
}

describe('a worker interrupted mid-epoch or mid-commit, resumed on a new thread', () => {
  it("ends issue 18's job with the calm run's weights, bitwise", async () => {
    const calm = bits(tensorsOf((await attempt(null, 1)).outcome));
    const rng = new Generator(18);
    const cases: [after: number, cores: number, commitMs: number][] = [
      [1, 2, 0],
      [9, 1, 0],
      [10, 2, 0],
      [10, 1, 150],
      [11, 2, 150],
    ];
    for (const [after, cores, commitMs] of cases) {
      const label = `stopped after epoch ${after}${commitMs > 0 ? ' during a commit' : ''} on ${cores} cores`;
      const delayMs = rng.uniform(5, commitMs > 0 ? commitMs - 20 : 60);
      const first = await attempt(null, cores, { after, commitMs, delayMs });
      expect(first.outcome.type, label).toBe('aborted');
      const point = first.committed;
      expect(point, label).not.toBeNull();
      // Mid-epoch stops resume from the epoch they were told; mid-commit ones from an earlier one.
      if (commitMs === 0) expect(point!.epoch, label).toBe(after);
      else expect(point!.epoch, label).toBeLessThan(after);
      expect(
        point!.history.map((m) => m.epoch),
        label,
      ).toEqual(Array.from({ length: point!.epoch }, (_, i) => i + 1));
      const resumed = await attempt(point, 3 - cores);
      expect(bits(tensorsOf(resumed.outcome)), label).toBe(calm);
    }
  }, 240_000);

  it('differs when the resumed generator is one shuffle further on (the control)', async () => {
    const first = await attempt(null, 1, { after: 3, commitMs: 0, delayMs: 10 });
    const point = first.committed!;
    const cp = decodeCheckpoint(point.checkpoint);
    const g = new Generator().setState(cp.generator);
    g.permutation(SAMPLES);
    const shifted = encodeCheckpoint({ ...cp, generator: g.getState() });
    const calm = bits(tensorsOf((await attempt(null, 1)).outcome));
    const same = bits(tensorsOf((await attempt(point, 1)).outcome));
    const off = bits(tensorsOf((await attempt({ ...point, checkpoint: shifted }, 1)).outcome));
    expect(same).toBe(calm);
    expect(off).not.toBe(calm);
  }, 120_000);
});
