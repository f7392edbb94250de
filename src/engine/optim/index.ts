/** Optimizers after `torch.optim` (PyTorch 1.13): pure update functions, classes and JSON specs. */
export * from './adadelta.js';
export * from './adagrad.js';
export * from './adam.js';
export * from './adamax.js';
export * from './adamw.js';
export * from './checks.js';
export * from './nadam.js';
export * from './optimizer.js';
export * from './param-groups.js';
export * from './radam.js';
export * from './registry.js';
export * from './rmsprop.js';
export * from './rprop.js';
export * from './sgd.js';
