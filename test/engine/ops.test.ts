import { describe, expect, it } from 'vitest';
import * as ops from '../../src/engine/ops/index.js';
import { type Tensor, tensor } from '../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

/** Inputs kept away from kinks (0 for relu/abs, clamp bounds) so finite differences are valid. */
function awayFromZero(shape: number[], seed: number): Tensor {
  const t = randomTensor(shape, seed, 0.2, 1.5);
  for (let i = 0; i < t.size; i += 2) t.data[i] = -t.data[i];
  return t;
}

const positive = (shape: number[], seed: number) => randomTensor(shape, seed, 0.5, 2);

type Case = [string, (...t: Tensor[]) => Tensor, () => Tensor[]];

const cases: Case[] = [
  ['add broadcast', ops.add, () => [randomTensor([3, 4], 1), randomTensor([4], 2)]],
  ['add scalar-shaped', ops.add, () => [randomTensor([2, 3], 1), randomTensor([1, 1], 2)]],
  ['sub broadcast columns', ops.sub, () => [randomTensor([3, 1], 1), randomTensor([1, 4], 2)]],
  ['mul broadcast', ops.mul, () => [randomTensor([2, 3, 4], 3), randomTensor([3, 1], 4)]],
  ['div', ops.div, () => [randomTensor([3, 4], 5), positive([3, 4], 6)]],
  ['pow tensor-tensor', ops.pow, () => [positive([3, 2], 7), randomTensor([3, 2], 8)]],
  ['pow by scalar', (a) => ops.pow(a, 3), () => [randomTensor([5], 9)]],
  ['maximum', ops.maximum, () => [randomTensor([4, 3], 10), randomTensor([4, 3], 11)]],
  ['minimum', ops.minimum, () => [randomTensor([4, 3], 12), randomTensor([3], 13)]],
  ['neg', ops.neg, () => [randomTensor([4], 14)]],
  ['exp', ops.exp, () => [randomTensor([3, 3], 15)]],
  ['log', ops.log, () => [positive([3, 3], 16)]],
  ['log1p', ops.log1p, () => [positive([4], 17)]],
  ['sqrt', ops.sqrt, () => [positive([4], 18)]],
  ['square', ops.square, () => [randomTensor([4], 19)]],
  ['abs', ops.abs, () => [awayFromZero([6], 20)]],
  ['sin', ops.sin, () => [randomTensor([4], 21)]],
  ['cos', ops.cos, () => [randomTensor([4], 22)]],
  ['clamp', (a) => ops.clamp(a, -0.5, 0.5), () => [awayFromZero([8], 23)]],
  ['where', (a, b) => ops.where(ops.gt(a, 0), a, b), () => [awayFromZero([6], 24), randomTensor([6], 25)]],
  ['expand', (a) => ops.expand(a, [3, 4]), () => [randomTensor([1, 4], 26)]],
  ['relu', ops.relu, () => [awayFromZero([3, 4], 27)]],
  ['leakyRelu', (a) => ops.leakyRelu(a, 0.2), () => [awayFromZero([3, 4], 28)]],
  ['sigmoid', ops.sigmoid, () => [randomTensor([3, 4], 29, -4, 4)]],
  ['tanh', ops.tanh, () => [randomTensor([3, 4], 30, -2, 2)]],
  ['gelu', (a) => ops.gelu(a), () => [randomTensor([3, 4], 31, -3, 3)]],
  ['gelu tanh', (a) => ops.gelu(a, 'tanh'), () => [randomTensor([3, 4], 32, -3, 3)]],
  ['elu', (a) => ops.elu(a, 0.7), () => [awayFromZero([3, 4], 33)]],
  ['silu', ops.silu, () => [randomTensor([3, 4], 34, -3, 3)]],
  ['softplus', (a) => ops.softplus(a, 2, 5), () => [awayFromZero([3, 4], 35)]],
  ['matmul 2d', ops.matmul, () => [randomTensor([3, 4], 36), randomTensor([4, 5], 37)]],
  ['matmul vector-matrix', ops.matmul, () => [randomTensor([4], 38), randomTensor([4, 2], 39)]],
  ['matmul matrix-vector', ops.matmul, () => [randomTensor([3, 4], 40), randomTensor([4], 41)]],
  ['matmul 3d @ 2d', ops.matmul, () => [randomTensor([2, 3, 4], 42), randomTensor([4, 2], 43)]],
  ['linear', ops.linear, () => [randomTensor([5, 4], 44), randomTensor([3, 4], 45), randomTensor([3], 46)]],
  [
    'linear without bias',
    (x, w) => ops.linear(x, w, null),
    () => [randomTensor([5, 4], 47), randomTensor([3, 4], 48)],
  ],
  ['sum all', (a) => ops.sum(a), () => [randomTensor([3, 4], 49)]],
  ['sum dim keepdim', (a) => ops.sum(a, 1, true), () => [randomTensor([2, 3, 4], 50)]],
  ['sum dims', (a) => ops.sum(a, [0, 2]), () => [randomTensor([2, 3, 4], 51)]],
  ['mean dim', (a) => ops.mean(a, -1), () => [randomTensor([3, 4], 52)]],
  ['mean all', (a) => ops.mean(a), () => [randomTensor([3, 4], 53)]],
  ['max dim', (a) => ops.max(a, 1), () => [randomTensor([3, 5], 54)]],
  ['max all', (a) => ops.max(a), () => [randomTensor([3, 5], 55)]],
  ['min dim', (a) => ops.min(a, 0, true), () => [randomTensor([3, 5], 56)]],
  ['logsumexp', (a) => ops.logsumexp(a, 1), () => [randomTensor([3, 5], 57, -3, 3)]],
  ['softmax', (a) => ops.softmax(a, 1), () => [randomTensor([3, 5], 58)]],
  ['logSoftmax', (a) => ops.logSoftmax(a, 0), () => [randomTensor([3, 5], 59)]],
  ['reshape', (a) => ops.reshape(a, [4, -1]), () => [randomTensor([2, 6], 60)]],
  ['flatten', (a) => ops.flatten(a, 1), () => [randomTensor([2, 3, 2], 61)]],
  ['unsqueeze/squeeze', (a) => ops.squeeze(ops.unsqueeze(a, 1)), () => [randomTensor([3, 2], 62)]],
  ['transpose', (a) => ops.transpose(a, 0, 2), () => [randomTensor([2, 3, 4], 63)]],
  ['permute', (a) => ops.permute(a, [2, 0, 1]), () => [randomTensor([2, 3, 4], 64)]],
  ['cat', (a, b) => ops.cat([a, b], 1), () => [randomTensor([2, 3], 65), randomTensor([2, 2], 66)]],
  ['indexRows', (a) => ops.indexRows(a, [2, 0, 2]), () => [randomTensor([3, 4], 67)]],
  ['sliceRows', (a) => ops.sliceRows(a, 1, 3), () => [randomTensor([4, 2], 68)]],
  [
    'gather',
    (a) =>
      ops.gather(
        a,
        1,
        tensor([
          [0, 2],
          [1, 1],
          [3, 0],
        ]),
      ),
    () => [randomTensor([3, 4], 69)],
  ],
];

describe('finite-difference gradient check of every differentiable op', () => {
  it.each(cases)('%s', (_name, fn, make) => {
    const { maxError, worst } = gradcheck(fn, make());
    expect(maxError, worst).toBeLessThanOrEqual(0);
  });
});

describe('forward values', () => {
  it('broadcasts like PyTorch', () => {
    const out = ops.add(tensor([[1], [2]]), tensor([10, 20, 30]));
    expect(out.shape).toEqual([2, 3]);
    expect(out.toArray()).toEqual([
      [11, 21, 31],
      [12, 22, 32],
    ]);
    expect(() => ops.add(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/cannot be broadcast/);
  });

  it('matmul matches a hand computation and names bad shapes', () => {
    const out = ops.matmul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([
        [5, 6],
        [7, 8],
      ]),
    );
    expect(out.toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(() => ops.matmul(tensor([[1, 2]]), tensor([[1, 2]]))).toThrow(/1x2 and 1x2/);
  });

  it('reductions over dims', () => {
    const a = tensor([
      [1, 5, 3],
      [4, 2, 6],
    ]);
    expect(ops.sum(a, 0).toArray()).toEqual([5, 7, 9]);
    expect(ops.mean(a, 1, true).toArray()).toEqual([[3], [4]]);
    expect(ops.max(a, 1).toArray()).toEqual([5, 6]);
    expect(ops.argmax(a, 1).toArray()).toEqual([1, 2]);
    expect(ops.logsumexp(tensor([1000, 1000]), 0).item()).toBeCloseTo(1000 + Math.log(2), 3);
  });

  it('logSoftmax is stable for large logits', () => {
    const out = ops.logSoftmax(tensor([[1000, 0]]), 1).toArray() as number[][];
    expect(out[0][0]).toBeCloseTo(0, 6);
    expect(out[0][1]).toBeCloseTo(-1000, 3);
  });

  it('indexRows writes into a given buffer and views it; too small a buffer is refused', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const buffer = new Float32Array(8).fill(-1);
    const rows = ops.indexRows(a, [2, 0], buffer);
    expect(rows.toArray()).toEqual([
      [5, 6],
      [1, 2],
    ]);
    expect(rows.data.buffer).toBe(buffer.buffer);
    expect(Array.from(buffer)).toEqual([5, 6, 1, 2, -1, -1, -1, -1]);
    expect(() => ops.indexRows(a, [0, 1, 2], new Float32Array(5))).toThrow(/do not fit/);
  });

  it('softmax, logSoftmax and logsumexp treat infinite logits as PyTorch does', () => {
    // torch.log_softmax/softmax(tensor([inf, 1.]), 0) → [nan, nan]; torch.logsumexp → inf;
    // torch.log_softmax(tensor([-inf, 1.]), 0) → [-inf, 0]; all -inf → [nan, nan].
    const inf = Number.POSITIVE_INFINITY;
    expect(ops.logSoftmax(tensor([inf, 1]), 0).toArray()).toEqual([Number.NaN, Number.NaN]);
    expect(ops.softmax(tensor([inf, 1]), 0).toArray()).toEqual([Number.NaN, Number.NaN]);
    expect(ops.logsumexp(tensor([inf, 1]), 0).item()).toBe(inf);
    expect(ops.logsumexp(tensor([-inf, -inf]), 0).item()).toBe(-inf);
    expect(ops.logSoftmax(tensor([-inf, 1]), 0).toArray()).toEqual([-inf, 0]);
    expect(ops.logSoftmax(tensor([-inf, -inf]), 0).toArray()).toEqual([Number.NaN, Number.NaN]);
  });

  it('transpose and permute reorder elements', () => {
    expect(
      ops
        .transpose(
          tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        )
        .toArray(),
    ).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(ops.permute(tensor([[[1, 2]], [[3, 4]]]), [2, 0, 1]).toArray()).toEqual([
      [[1], [3]],
      [[2], [4]],
    ]);
  });

  it('gather picks class scores', () => {
    const scores = tensor([
      [0.1, 0.9],
      [0.8, 0.2],
    ]);
    expect(ops.gather(scores, 1, tensor([[1], [0]])).toArray()).toEqual([
      [Math.fround(0.9)],
      [Math.fround(0.8)],
    ]);
    expect(() => ops.gather(scores, 1, tensor([[2], [0]]))).toThrow(/out of bounds/);
  });

  it('erf-based GELU matches known values', () => {
    // GELU(1) = 0.5 * (1 + erf(1/sqrt 2)) = 0.8413447460685429
    expect(ops.gelu(tensor([1, -1])).toArray()).toEqual([
      Math.fround(0.8413447460685429),
      Math.fround(-0.15865525393145707),
    ]);
    expect(ops.erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(ops.erf(3)).toBeCloseTo(0.9999779095030014, 14);
  });
});
