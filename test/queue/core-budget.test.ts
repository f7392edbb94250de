import { describe, expect, it } from 'vitest';
import { CoreBudget } from '../../src/queue/core-budget.js';

const read = (...shares: Int32Array[]) => shares.map((s) => Atomics.load(s, 0));

describe('CoreBudget', () => {
  it('gives a lone job every core and splits them as jobs start and end', () => {
    const budget = new CoreBudget(2);
    const a = budget.join();
    expect(read(a)).toEqual([2]);
    const b = budget.join();
    expect(read(a, b)).toEqual([1, 1]);
    budget.leave(a);
    expect(read(b)).toEqual([2]);
  });

  it('hands the remainder to the earliest jobs and never goes below one core a job', () => {
    const budget = new CoreBudget(5);
    const [a, b] = [budget.join(), budget.join()];
    expect(read(a, b)).toEqual([3, 2]);
    const more = [budget.join(), budget.join(), budget.join(), budget.join()];
    expect(read(a, b, ...more)).toEqual([1, 1, 1, 1, 1, 1]);
    budget.leave(b);
    budget.leave(b); // twice is harmless
    expect(read(a, ...more)).toEqual([1, 1, 1, 1, 1]);
  });

  it('refuses a budget of no cores', () => {
    expect(() => new CoreBudget(0)).toThrow(RangeError);
  });
});
