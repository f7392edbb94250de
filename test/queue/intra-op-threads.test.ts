/**
 * The training thread's side of the core budget, driven step by step on real pool threads: the
 * share changes between steps (another job starting or ending), and the weights stay bitwise those
 * of a run on one thread.
 */
import { describe, expect, it } from 'vitest';
import { randn } from '../../src/engine/creation.js';
import { CrossEntropyLoss } from '../../src/engine/losses/cross-entropy-loss.js';
import { ReLU } from '../../src/engine/nn/activation-layers.js';
import { Linear } from '../../src/engine/nn/linear.js';
import { Sequential } from '../../src/engine/nn/sequential.js';
import { Adam } from '../../src/engine/optim/adam.js';
import { Generator } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { IntraOpThreads } from '../../src/queue/intra-op-threads.js';

/** Ten steps of a model whose products are big enough to split; `between(step)` runs after each. */
function train(threads: IntraOpThreads, between: (step: number) => void = () => {}): number[][] {
  const g = new Generator(4);
  const model = new Sequential(
    new Linear(32, 256, { generator: g }),
    new ReLU(),
    new Linear(256, 3, { generator: g }),
  );
  const x = randn([128, 32], { generator: g });
  const y = new Tensor(
    Float32Array.from({ length: 128 }, (_, i) => i % 3),
    [128],
  );
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const loss = new CrossEntropyLoss();
  for (let step = 0; step < 10; step++) {
    optimizer.zeroGrad();
    loss.forward(model.forward(x), y).backward();
    optimizer.step();
    between(step);
    threads.update();
  }
  return model.parameters().map((p) => Array.from(p.data));
}

function share(cores: number): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(4));
  s[0] = cores;
  return s;
}

describe('IntraOpThreads', () => {
  it('follows a share that grows and shrinks between steps, with the weights of one thread', async () => {
    const alone = new IntraOpThreads(null);
    const reference = train(alone);
    await alone.close();
    expect(alone.maxUsed).toBe(1);

    const cores = share(1);
    const threads = new IntraOpThreads(cores);
    try {
      const weights = train(threads, (step) => {
        if (step === 2) Atomics.store(cores, 0, 2); // the other job ended
        if (step === 6) Atomics.store(cores, 0, 1); // another job started
      });
      expect(threads.maxUsed).toBe(2);
      expect(weights).toEqual(reference);
    } finally {
      await threads.close();
    }
  });
});
