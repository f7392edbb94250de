/**
 * Trainyard's tensor/autograd engine, usable as a library: tensors with reverse-mode autograd,
 * PyTorch-style layers, losses, optimizers, LR schedulers and gradient clipping. Pure: no I/O.
 */
import './tensor-methods.js';

export * from './clip.js';
export * from './creation.js';
export * from './errors.js';
export { dropGradBufferSpares } from './grad-buffer.js';
export { gemmBackend } from './kernels/gemm.js';
export * from './losses/index.js';
export * from './nn/index.js';
export * from './ops/index.js';
export * from './optim/index.js';
export * from './random.js';
export * from './schedulers/index.js';
export * from './spec-parse.js';
export * from './tensor.js';
