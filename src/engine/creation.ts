/** Random tensors, drawn from a seeded generator (the default one unless given). */
import { defaultGenerator, type Generator } from './random.js';
import { numel, type Shape, Tensor, type TensorOptions } from './tensor.js';

type RandomOptions = TensorOptions & { generator?: Generator };

/** `torch.randn(shape)`: standard normal values. */
export function randn(
  shape: Shape,
  { generator = defaultGenerator, requiresGrad = false }: RandomOptions = {},
): Tensor {
  return new Tensor(
    Float32Array.from({ length: numel(shape) }, () => generator.normal()),
    shape,
    requiresGrad,
  );
}

/** `torch.rand(shape)`: uniform values in [0, 1). */
export function rand(
  shape: Shape,
  { generator = defaultGenerator, requiresGrad = false }: RandomOptions = {},
): Tensor {
  return new Tensor(
    Float32Array.from({ length: numel(shape) }, () => generator.random()),
    shape,
    requiresGrad,
  );
}

/** `torch.randint(low, high, shape)`: integers in [low, high), stored as float values. */
export function randint(
  low: number,
  high: number,
  shape: Shape,
  { generator = defaultGenerator }: RandomOptions = {},
): Tensor {
  if (!(Number.isInteger(low) && Number.isInteger(high) && high > low)) {
    throw new RangeError(`randint: expected integers low < high, got ${low} and ${high}`);
  }
  return new Tensor(
    Float32Array.from({ length: numel(shape) }, () => low + generator.randint(high - low)),
    shape,
  );
}
