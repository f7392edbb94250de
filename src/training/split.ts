/**
 * Train/validation splits: deterministic for a seed, and stratified for classification (each
 * class keeps its share in both splits, as sklearn's StratifiedShuffleSplit does).
 */
import { Generator } from '../engine/random.js';

export interface Split {
  train: Int32Array;
  validation: Int32Array;
}

/**
 * Splits `n` sample indices, `fraction` of them (rounded, at least one) into validation.
 * With `classes` (one label per sample) each class is split separately. Indices keep their
 * original order inside each split, so a split does not shuffle the data by itself.
 */
export function splitIndices(n: number, fraction: number, seed: number, classes?: ArrayLike<number>): Split {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`validation_split must be in (0, 1), got ${fraction}`);
  const rng = new Generator(seed); // its own instance: a split never shifts the run's init or shuffle draws
  const isValidation = new Uint8Array(n);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = classes === undefined ? 0 : classes[i];
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = []));
    group.push(i);
  }
  const keys = [...groups.keys()].sort((a, b) => a - b);
  for (const key of keys) {
    const members = groups.get(key)!;
    const take = Math.round(members.length * fraction);
    const order = rng.permutation(members.length);
    for (let k = 0; k < take; k++) isValidation[members[order[k]]] = 1;
  }
  let validationCount = isValidation.reduce((s, v) => s + v, 0);
  if (validationCount === 0 && n > 1) {
    isValidation[rng.randint(n)] = 1; // tiny datasets: still validate on something
    validationCount = 1;
  }
  if (validationCount === n)
    throw new RangeError(`validation_split ${fraction} leaves no training samples out of ${n}`);
  const train = new Int32Array(n - validationCount);
  const validation = new Int32Array(validationCount);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (isValidation[i]) validation[v++] = i;
    else train[t++] = i;
  }
  return { train, validation };
}
