/**
 * Reading and writing the momentum that OneCycleLR and CyclicLR cycle: a group's `momentum`
 * (SGD, RMSprop) or the first of its `betas` (Adam family). Which one an optimizer has is
 * decided from its defaults, as PyTorch does (`'momentum' in optimizer.defaults`).
 */
import type { Optimizer, ParamGroup } from '../optim/optimizer.js';

export type MomentumKey = 'momentum' | 'betas';

/** The key an optimizer's momentum lives under, or null when it has none. */
export function momentumKeyOf(optimizer: Optimizer): MomentumKey | null {
  if ('momentum' in optimizer.defaults) return 'momentum';
  if ('betas' in optimizer.defaults) return 'betas';
  return null;
}

export function readMomentum(group: ParamGroup, key: MomentumKey): number {
  const g = group as unknown as Record<string, unknown>;
  return key === 'momentum' ? (g.momentum as number) : (g.betas as readonly number[])[0];
}

/** Sets the momentum; betas get a new pair (beta2 kept), like PyTorch's `(momentum, beta2)` tuple. */
export function writeMomentum(group: ParamGroup, key: MomentumKey, value: number): void {
  const g = group as unknown as Record<string, unknown>;
  if (key === 'momentum') g.momentum = value;
  else g.betas = [value, (g.betas as readonly number[])[1]];
}
