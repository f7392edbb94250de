/**
 * One switch for every WebAssembly SIMD kernel (gemm, the Adam update): tests turn SIMD off to
 * check that the scalar fallbacks give bitwise the same results.
 */
let disabled = false;

export function simdDisabled(): boolean {
  return disabled;
}

/** Forces the scalar paths; returns the previous setting. */
export function setSimdDisabled(value: boolean): boolean {
  const previous = disabled;
  disabled = value;
  return previous;
}
