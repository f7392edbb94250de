/**
 * `nn.Module`: parameters, buffers and submodules registered by name, so the state dict follows
 * PyTorch's dotted naming (`"0.weight"`, `"2.running_mean"`).
 */
import { SpecError } from '../errors.js';
import {
  inferShape,
  type NestedArray,
  type Shape,
  sameShape,
  shapeToString,
  Tensor,
  tensor,
} from '../tensor.js';

export type StateDict = Record<string, Tensor>;

/**
 * What a container's forward hands to each layer beside the tensor. An `Embedding` with padding_idx
 * records the token ids it looked up, so that a later attention layer with
 * `src_key_padding_mask: "padding_idx"` can mask the keys whose id is the padding id (PyTorch's
 * `src_key_padding_mask=(ids == padding_idx)`).
 */
export interface ForwardContext {
  padding?: { ids: Tensor; paddingIdx: number };
}

export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffers = new Map<string, Tensor | null>();
  private readonly children = new Map<string, Module>();

  abstract forward(input: Tensor, context?: ForwardContext): Tensor;

  /** PyTorch-style call: `model.call(x)` is `model.forward(x)`. */
  call(input: Tensor, context?: ForwardContext): Tensor {
    return this.forward(input, context);
  }

  protected registerParameter(name: string, value: Tensor | null): Tensor | null {
    if (value !== null) value.requiresGrad = true;
    this.params.set(name, value);
    return value;
  }

  protected registerBuffer(name: string, value: Tensor | null): Tensor | null {
    this.buffers.set(name, value);
    return value;
  }

  protected registerModule(name: string, module: Module): void {
    this.children.set(name, module);
  }

  /** The current value of a registered parameter or buffer (after `loadStateDict`, a new tensor). */
  protected get(name: string): Tensor | null {
    return this.params.get(name) ?? this.buffers.get(name) ?? null;
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) if (p !== null) out.push([prefix + name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.buffers) if (b !== null) out.push([prefix + name, b]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Parameters and buffers by dotted name, in registration order (as PyTorch orders them). */
  stateDict(): StateDict {
    const out: StateDict = {};
    this.collectState('', out);
    return out;
  }

  private collectState(prefix: string, out: StateDict): void {
    for (const [name, p] of this.params) if (p !== null) out[prefix + name] = p.detach();
    for (const [name, b] of this.buffers) if (b !== null) out[prefix + name] = b.detach();
    for (const [name, child] of this.children) child.collectState(`${prefix}${name}.`, out);
  }

  /**
   * Copies values into the registered tensors (in place, so optimizers holding them keep working).
   * Rejects missing and unexpected keys and shape mismatches, naming the key.
   */
  loadStateDict(
    state: Record<string, Tensor | NestedArray>,
    { strict = true }: { strict?: boolean } = {},
  ): void {
    const targets = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const issues: { path: string[]; message: string }[] = [];
    const given = Object.keys(state);
    if (strict) {
      for (const key of targets.keys()) {
        if (!Object.hasOwn(state, key))
          issues.push({ path: [key], message: `Missing key "${key}" in state_dict` });
      }
      for (const key of given) {
        if (!targets.has(key)) issues.push({ path: [key], message: `Unexpected key "${key}" in state_dict` });
      }
    }
    const values = new Map<string, Tensor>();
    for (const key of given) {
      const target = targets.get(key);
      if (target === undefined) continue;
      const raw = state[key];
      let value: Tensor;
      try {
        value = raw instanceof Tensor ? raw : tensor(raw);
      } catch (err) {
        issues.push({ path: [key], message: (err as Error).message });
        continue;
      }
      const shape: Shape = raw instanceof Tensor ? raw.shape : inferShape(raw as NestedArray);
      if (!sameShape(shape, target.shape)) {
        issues.push({
          path: [key],
          message: `size mismatch for ${key}: copying a param with shape ${shapeToString(shape)}, the shape in current model is ${shapeToString(target.shape)}`,
        });
        continue;
      }
      values.set(key, value);
    }
    if (issues.length > 0) throw new SpecError(issues);
    for (const [key, value] of values) targets.get(key)!.data.set(value.data);
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}
