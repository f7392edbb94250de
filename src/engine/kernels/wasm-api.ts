import { createRequire } from 'node:module';

/**
 * The slice of the WebAssembly JS API the kernels use. The project compiles without the DOM lib,
 * whose typings carry `WebAssembly`, so the few members are declared here.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

export type WasmModule = object;

export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

/** The host's WebAssembly, or null where there is none. */
export function wasmApi(): WasmApi | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  return api ?? null;
}

/**
 * Relaxed SIMD is on by default from Node 22 (V8 11.4); Node 20's V8 has it behind a flag. Setting
 * it affects only modules validated and compiled afterwards. Outside Node nothing changes, and a
 * module using relaxed SIMD then fails validation.
 */
function enableRelaxedSimd(): void {
  try {
    const v8 = createRequire(import.meta.url)('node:v8') as { setFlagsFromString(flags: string): void };
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // not Node
  }
}

/** A compiled kernel module with its own memory. */
export interface KernelInstance {
  module: WasmModule;
  memory: WasmMemory;
  exports: Record<string, unknown>;
}

export interface KernelOptions {
  /** Whether the module's memory is shared (as encodeModule's `shared`); default true. */
  shared?: boolean;
  /** The module uses relaxed SIMD (turned on first where that takes a flag); default false. */
  relaxedSimd?: boolean;
}

/**
 * Compiles `bytes` (a module importing `env.memory`) and instantiates it over a new memory of
 * `initial`..`maximum` pages. Null where WebAssembly, its SIMD (or relaxed SIMD) or shared memory
 * is missing: the caller then takes its scalar path.
 */
export function instantiateKernels(
  bytes: Uint8Array,
  initial: number,
  maximum: number,
  { shared = true, relaxedSimd = false }: KernelOptions = {},
): KernelInstance | null {
  const wasm = wasmApi();
  if (wasm === null || (shared && typeof SharedArrayBuffer !== 'function')) return null;
  if (relaxedSimd && !wasm.validate(bytes)) enableRelaxedSimd();
  if (!wasm.validate(bytes)) return null;
  try {
    const module = new wasm.Module(bytes);
    const memory = new wasm.Memory({ initial, maximum, shared });
    const instance = new wasm.Instance(module, { env: { memory } });
    return { module, memory, exports: instance.exports };
  } catch {
    return null;
  }
}
