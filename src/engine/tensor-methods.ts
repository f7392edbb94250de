/**
 * Chainable methods (`x.matmul(w).add(b).relu()`), attached to Tensor's prototype from the free
 * functions in `ops/` (tfjs's chained-ops pattern). Keeping them here, rather than in tensor.ts,
 * keeps the import graph acyclic: ops depend on the Tensor class, never the other way round.
 * Import `src/engine/index.ts` (which imports this file) to get them.
 */

import type { Dims, TensorLike } from './ops/index.js';
import * as ops from './ops/index.js';
import { type Shape, Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    abs(): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    matmul(other: Tensor): Tensor;
    sum(dims?: Dims, keepdim?: boolean): Tensor;
    mean(dims?: Dims, keepdim?: boolean): Tensor;
    max(dim?: number, keepdim?: boolean): Tensor;
    min(dim?: number, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    logsumexp(dims: number | readonly number[], keepdim?: boolean): Tensor;
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    reshape(shape: Shape): Tensor;
    view(shape: Shape): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor;
    permute(dims: readonly number[]): Tensor;
    t(): Tensor;
    gather(dim: number, index: Tensor): Tensor;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => Tensor> = {
  add(this: Tensor, o: TensorLike) {
    return ops.add(this, o);
  },
  sub(this: Tensor, o: TensorLike) {
    return ops.sub(this, o);
  },
  mul(this: Tensor, o: TensorLike) {
    return ops.mul(this, o);
  },
  div(this: Tensor, o: TensorLike) {
    return ops.div(this, o);
  },
  pow(this: Tensor, o: TensorLike) {
    return ops.pow(this, o);
  },
  maximum(this: Tensor, o: TensorLike) {
    return ops.maximum(this, o);
  },
  minimum(this: Tensor, o: TensorLike) {
    return ops.minimum(this, o);
  },
  neg(this: Tensor) {
    return ops.neg(this);
  },
  exp(this: Tensor) {
    return ops.exp(this);
  },
  log(this: Tensor) {
    return ops.log(this);
  },
  log1p(this: Tensor) {
    return ops.log1p(this);
  },
  sqrt(this: Tensor) {
    return ops.sqrt(this);
  },
  square(this: Tensor) {
    return ops.square(this);
  },
  abs(this: Tensor) {
    return ops.abs(this);
  },
  clamp(this: Tensor, min?: number | null, max?: number | null) {
    return ops.clamp(this, min, max);
  },
  relu(this: Tensor) {
    return ops.relu(this);
  },
  sigmoid(this: Tensor) {
    return ops.sigmoid(this);
  },
  tanh(this: Tensor) {
    return ops.tanh(this);
  },
  matmul(this: Tensor, o: Tensor) {
    return ops.matmul(this, o);
  },
  sum(this: Tensor, dims?: Dims, keepdim?: boolean) {
    return ops.sum(this, dims, keepdim);
  },
  mean(this: Tensor, dims?: Dims, keepdim?: boolean) {
    return ops.mean(this, dims, keepdim);
  },
  max(this: Tensor, dim?: number, keepdim?: boolean) {
    return ops.max(this, dim, keepdim);
  },
  min(this: Tensor, dim?: number, keepdim?: boolean) {
    return ops.min(this, dim, keepdim);
  },
  argmax(this: Tensor, dim?: number, keepdim?: boolean) {
    return ops.argmax(this, dim, keepdim);
  },
  logsumexp(this: Tensor, dims: number | readonly number[], keepdim?: boolean) {
    return ops.logsumexp(this, dims, keepdim);
  },
  softmax(this: Tensor, dim?: number) {
    return ops.softmax(this, dim);
  },
  logSoftmax(this: Tensor, dim?: number) {
    return ops.logSoftmax(this, dim);
  },
  reshape(this: Tensor, shape: Shape) {
    return ops.reshape(this, shape);
  },
  view(this: Tensor, shape: Shape) {
    return ops.reshape(this, shape);
  },
  flatten(this: Tensor, startDim?: number, endDim?: number) {
    return ops.flatten(this, startDim, endDim);
  },
  squeeze(this: Tensor, dim?: number) {
    return ops.squeeze(this, dim);
  },
  unsqueeze(this: Tensor, dim: number) {
    return ops.unsqueeze(this, dim);
  },
  transpose(this: Tensor, dim0?: number, dim1?: number) {
    return ops.transpose(this, dim0, dim1);
  },
  permute(this: Tensor, dims: readonly number[]) {
    return ops.permute(this, dims);
  },
  t(this: Tensor) {
    return ops.transpose(this, 0, 1);
  },
  gather(this: Tensor, dim: number, index: Tensor) {
    return ops.gather(this, dim, index);
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
