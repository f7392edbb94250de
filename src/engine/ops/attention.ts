/**
 * The core of `F.multi_head_attention_forward` for self-attention, as one op: from the packed
 * in-projection `qkv` (rows of [q | k | v], 3·E wide) to the heads' outputs concatenated back to E,
 * before the out-projection. Per (sample, head), as PyTorch 1.13 computes it:
 *   S = (q / √head_dim) · kᵀ + mask,  P = softmax(S, -1),  P' = dropout(P),  O = P' · v
 * with the mask −∞ where a key is padding (key_padding_mask) or lies in the future (causal), so a
 * query whose keys are all masked gets NaN, as in PyTorch. The products run on the GEMM kernels over
 * per-head copies of q, k and v; the backward recomputes those copies and keeps only P (and P').
 */
import { gradBuffer, outputBuffer } from '../grad-buffer.js';
import { gemmInto } from '../kernels/gemm.js';
import type { Generator } from '../random.js';
import { Tensor } from '../tensor.js';

export interface SelfAttentionArgs {
  /** Samples N and sequence length L; `batchFirst` says whether rows are (N, L) or (L, N). */
  batch: number;
  seq: number;
  heads: number;
  batchFirst: boolean;
  /** N·L flags in (N, L) order, 1 where the key is masked out; or null. */
  keyPadding: Uint8Array | null;
  /** Masks key j > query i (PyTorch's `generate_square_subsequent_mask`). */
  causal: boolean;
  /** Dropout on the attention weights, in training (0 in eval), from the model's generator. */
  dropout: number;
  generator: Generator | null;
}

export function selfAttention(qkv: Tensor, a: SelfAttentionArgs): Tensor {
  const { batch: N, seq: L, heads: H, batchFirst } = a;
  const E3 = qkv.shape[qkv.ndim - 1];
  const E = E3 / 3;
  const hd = E / H;
  if (!Number.isInteger(hd) || qkv.size !== N * L * E3)
    throw new RangeError(
      `multi_head_attention_forward: expected qkv of ${N}×${L}×3·E with E divisible by ${H}`,
    );
  const scale = Math.fround(Math.sqrt(hd));
  const LL = L * L;
  const src = qkv.data;
  const rowOf = batchFirst ? (n: number, l: number) => n * L + l : (n: number, l: number) => l * N + n;
  const probs = new Float32Array(N * H * LL);
  const dropped = a.dropout > 0 ? new Float32Array(N * H * LL) : null;
  const keep = a.dropout >= 1 ? 0 : Math.fround(1 / (1 - a.dropout));
  const out = outputBuffer(N * L * E);
  const q = new Float32Array(L * hd);
  const k = new Float32Array(L * hd);
  const v = new Float32Array(L * hd);
  const o = new Float32Array(L * hd);

  /** Copies head h of sample n of part p (0 q, 1 k, 2 v) into `into` (L × hd), q divided by √hd. */
  const gather = (n: number, h: number, p: number, into: Float32Array, from: Float32Array, width: number) => {
    for (let l = 0; l < L; l++) {
      const at = rowOf(n, l) * width + p * E + h * hd;
      for (let d = 0; d < hd; d++) into[l * hd + d] = from[at + d];
    }
  };

  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      gather(n, h, 0, q, src, E3);
      for (let i = 0; i < q.length; i++) q[i] = q[i] / scale;
      gather(n, h, 1, k, src, E3);
      gather(n, h, 2, v, src, E3);
      const base = (n * H + h) * LL;
      const s = probs.subarray(base, base + LL);
      gemmInto(q, k, s, L, hd, L, { transB: true });
      for (let i = 0; i < L; i++) {
        const row = i * L;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < L; j++) {
          if ((a.causal && j > i) || (a.keyPadding !== null && a.keyPadding[n * L + j] === 1))
            s[row + j] = Number.NEGATIVE_INFINITY;
          if (s[row + j] > max) max = s[row + j];
        }
        let sum = 0;
        for (let j = 0; j < L; j++) {
          const e = Math.exp(s[row + j] - max);
          s[row + j] = e;
          sum += e;
        }
        for (let j = 0; j < L; j++) s[row + j] = s[row + j] / sum;
      }
      let pv = s;
      if (dropped !== null) {
        pv = dropped.subarray(base, base + LL);
        for (let i = 0; i < LL; i++) pv[i] = a.generator!.random() < a.dropout ? 0 : s[i] * keep;
      }
      gemmInto(pv, v, o, L, L, hd);
      for (let l = 0; l < L; l++) {
        const at = rowOf(n, l) * E + h * hd;
        for (let d = 0; d < hd; d++) out[at + d] = o[l * hd + d];
      }
    }
  }
  const shape = [...qkv.shape.slice(0, -1), E];
  return Tensor.fromOp(out, shape, [qkv], (g) => {
    const gqkv = gradBuffer(qkv.size);
    const go = new Float32Array(L * hd);
    const dp = new Float32Array(LL);
    const gq = new Float32Array(L * hd);
    const gk = new Float32Array(L * hd);
    const gv = new Float32Array(L * hd);
    const scatter = (n: number, h: number, p: number, from: Float32Array) => {
      for (let l = 0; l < L; l++) {
        const at = rowOf(n, l) * E3 + p * E + h * hd;
        for (let d = 0; d < hd; d++) gqkv[at + d] = from[l * hd + d];
      }
    };
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < H; h++) {
        gather(n, h, 0, q, src, E3);
        for (let i = 0; i < q.length; i++) q[i] = q[i] / scale;
        gather(n, h, 1, k, src, E3);
        gather(n, h, 2, v, src, E3);
        gather(n, h, 0, go, g, E);
        const base = (n * H + h) * LL;
        const p = probs.subarray(base, base + LL);
        const pv = dropped === null ? p : dropped.subarray(base, base + LL);
        gemmInto(go, v, dp, L, hd, L, { transB: true }); // dP' = dO · vᵀ
        gemmInto(pv, go, gv, L, L, hd, { transA: true }); // dv = P'ᵀ · dO
        if (dropped !== null) for (let i = 0; i < LL; i++) dp[i] = pv[i] === 0 ? 0 : dp[i] * keep;
        for (let i = 0; i < L; i++) {
          const row = i * L;
          let dot = 0;
          for (let j = 0; j < L; j++) dot += dp[row + j] * p[row + j];
          for (let j = 0; j < L; j++) dp[row + j] = p[row + j] * (dp[row + j] - dot);
        }
        gemmInto(dp, k, gq, L, L, hd); // d(q/√hd) = dS · k
        for (let i = 0; i < gq.length; i++) gq[i] = gq[i] / scale;
        gemmInto(dp, q, gk, L, L, hd, { transA: true }); // dk = dSᵀ · (q/√hd)
        scatter(n, h, 0, gq);
        scatter(n, h, 1, gk);
        scatter(n, h, 2, gv);
      }
    }
    return [gqkv];
  });
}
