/**
 * The runner's contract with the worker: a run only counts as completed when every epoch it
 * reported was committed. If the thread finishes while the last commit is still in flight and that
 * commit then fails (Redis went away), the outcome is a failure to retry from the last checkpoint,
 * never a success with epochs missing from the event log.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunOptions, runTraining } from '../../src/queue/training-runner.js';
import { packData } from '../../src/training/data.js';
import { mlpModel, simpleData, simpleNNJob } from '../helpers/jobs.js';

function input(epochs: number): string {
  const { model, loss, optimizer, scheduler, training, data } = simpleNNJob({ epochs, samples: 32 });
  return JSON.stringify({
    spec: { model, loss, optimizer, scheduler, training },
    data,
    init_state_dict: null,
  });
}

describe('runTraining', () => {
  it('reports completed when every epoch was committed', async () => {
    const committed: number[] = [];
    const outcome = await runTraining({
      input: input(5),
      init: null,
      resume: null,
      signal: new AbortController().signal,
      onEpochs: async ({ metrics }) => {
        committed.push(...metrics.map((m) => m.epoch));
      },
    });
    expect(outcome.type).toBe('completed');
    expect(committed).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports a failure, not success, when a commit fails after the thread finished', async () => {
    let calls = 0;
    const outcome = await runTraining({
      input: input(5),
      init: null,
      resume: null,
      signal: new AbortController().signal,
      onEpochs: async () => {
        calls++;
        // The first commit is slow: the thread finishes all epochs meanwhile, then it fails.
        await new Promise((resolve) => setTimeout(resolve, 500));
        throw new Error('Connection is closed.');
      },
    });
    expect(calls).toBe(1);
    expect(outcome.type).toBe('failed');
    if (outcome.type === 'failed') expect(outcome.error.message).toMatch(/Connection is closed/);
  });

  /** A job whose products are big enough for the threads to split them. */
  const wide = JSON.stringify({
    spec: {
      model: mlpModel(32, 256, 2),
      loss: { type: 'CrossEntropyLoss' },
      optimizer: { type: 'Adam', lr: 0.01 },
      training: { epochs: 4, batch_size: 128, shuffle: true, seed: 7 },
    },
    data: simpleData(512, 32),
    init_state_dict: null,
  });

  async function train(cores: Int32Array | null, options: Partial<RunOptions> = {}) {
    const outcome = await runTraining({
      input: wide,
      init: null,
      resume: null,
      signal: new AbortController().signal,
      cores,
      onEpochs: async () => {},
      ...options,
    });
    if (outcome.type !== 'completed') throw new Error(`expected completed, got ${outcome.type}`);
    return outcome;
  }

  it('runs the products on the threads its share of cores allows, with the same weights as one thread', async () => {
    const alone = await train(null);
    const cores = new Int32Array(new SharedArrayBuffer(4));
    cores[0] = 2;
    const two = await train(cores);
    expect([alone.intraOpThreads, two.intraOpThreads]).toEqual([1, 2]);
    expect(two.tensors).toEqual(alone.tensors);
  });

  it('trains packed inline data (as the API stores it) to bitwise the weights of the same data as arrays', async () => {
    const parsed = JSON.parse(wide) as { data: { x: number[][]; y: number[] } };
    const packed = JSON.stringify({ ...parsed, data: packData(parsed.data) });
    expect(packed.length).toBeLessThan(wide.length / 2);
    const run = async (input: string) => {
      const outcome = await runTraining({
        input,
        init: null,
        resume: null,
        signal: new AbortController().signal,
        onEpochs: async () => {},
      });
      if (outcome.type !== 'completed') throw new Error(`expected completed, got ${outcome.type}`);
      return outcome.tensors;
    };
    expect(await run(packed)).toEqual(await run(wide));
  });

  /** Nice values of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
  function threadNices(): number[] {
    return readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        return [Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16])];
      } catch {
        return []; // the thread ended meanwhile
      }
    });
  }

  it.runIf(existsSync('/proc/self/task') && threadNices()[0] < 19)(
    'lowers the training thread and its intra-op threads to the nice value asked for, and no other thread',
    async () => {
      const base = threadNices()[0]; // the main thread (listed first), 0 unless the test runs niced
      const nice = Math.min(19, base + 5);
      const cores = new Int32Array(new SharedArrayBuffer(4));
      cores[0] = 2; // a pool thread, started by the training thread
      const seen: number[][] = [];
      await train(cores, {
        nice,
        onEpochs: async () => {
          seen.push(threadNices());
        },
      });
      // While it trained: the training thread and its pool thread lowered, this process's own not.
      expect(seen.some((nices) => nices.filter((n) => n === nice).length >= 2)).toBe(true);
      expect(seen.every((nices) => nices[0] === base)).toBe(true);
      expect(threadNices()[0]).toBe(base);
    },
  );
});
