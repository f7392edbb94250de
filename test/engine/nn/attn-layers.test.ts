/**
 * The attention layers beyond the PyTorch vectors: finite-difference gradients of the fused
 * attention op (masks, dropout), PyTorch's initialisation and state-dict names, seeded dropout,
 * and the spec's refusals.
 */
import { describe, expect, it } from 'vitest';
import type { SpecError } from '../../../src/engine/errors.js';
import { activationMemory, layerActivationCost } from '../../../src/engine/nn/activation-memory.js';
import { MultiheadAttention } from '../../../src/engine/nn/attention.js';
import { buildModel, parseModelSpec } from '../../../src/engine/nn/registry.js';
import { checkLayerShapes } from '../../../src/engine/nn/shape-check.js';
import { selfAttention } from '../../../src/engine/ops/attention.js';
import { Generator } from '../../../src/engine/random.js';
import { Tensor } from '../../../src/engine/tensor.js';
import { gradcheck, randomTensor } from '../../helpers/gradcheck.js';

describe('selfAttention op', () => {
  const [N, L, H, E] = [2, 4, 2, 6];
  const padding = Uint8Array.from([0, 0, 1, 1, 0, 1, 0, 0]);
  it.each([
    ['time-major', false, null, false],
    ['batch_first', true, null, false],
    ['key padding mask', true, padding, false],
    ['causal', false, null, true],
    ['causal + key padding mask', true, padding, true],
  ] as const)('%s passes a finite-difference gradient check', (_name, batchFirst, keyPadding, causal) => {
    const qkv = randomTensor(batchFirst ? [N, L, 3 * E] : [L, N, 3 * E], 3, -1.5, 1.5);
    const { maxError, worst } = gradcheck(
      (t) =>
        selfAttention(t, {
          batch: N,
          seq: L,
          heads: H,
          batchFirst,
          keyPadding,
          causal,
          dropout: 0,
          generator: null,
        }),
      [qkv],
      { eps: 1e-3, atol: 1e-3, rtol: 1e-2 },
    );
    expect(maxError, worst).toBe(0);
  });

  it('with dropout: the gradient check holds for a fixed mask (same seed each call)', () => {
    const qkv = randomTensor([N, L, 3 * E], 5);
    const { maxError, worst } = gradcheck(
      (t) =>
        selfAttention(t, {
          batch: N,
          seq: L,
          heads: H,
          batchFirst: true,
          keyPadding: null,
          causal: false,
          dropout: 0.3,
          generator: new Generator(7),
        }),
      [qkv],
      { eps: 1e-3, atol: 1e-3, rtol: 1e-2 },
    );
    expect(maxError, worst).toBe(0);
  });

  it('a query whose keys are all masked gives NaN, as in PyTorch', () => {
    const qkv = randomTensor([1, 2, 6], 1);
    const out = selfAttention(qkv, {
      batch: 1,
      seq: 2,
      heads: 1,
      batchFirst: true,
      keyPadding: Uint8Array.from([1, 1]),
      causal: false,
      dropout: 0,
      generator: null,
    });
    expect([...out.data].every(Number.isNaN)).toBe(true);
  });
});

describe('attention layers', () => {
  it('MultiheadAttention: PyTorch state-dict names, xavier_uniform_ in_proj, zero biases, Linear out_proj', () => {
    const mha = new MultiheadAttention(16, 4, { generator: new Generator(1) });
    const sd = mha.stateDict();
    expect(Object.keys(sd)).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(sd.in_proj_weight.shape).toEqual([48, 16]);
    const xavier = Math.sqrt(6 / (16 + 48));
    const w = [...sd.in_proj_weight.data];
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(xavier);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * xavier);
    expect([...sd.in_proj_bias.data].every((v) => v === 0)).toBe(true);
    expect([...sd['out_proj.bias'].data].every((v) => v === 0)).toBe(true);
    const o = [...sd['out_proj.weight'].data].map(Math.abs);
    expect(Math.max(...o)).toBeLessThanOrEqual(1 / Math.sqrt(16));
    expect(Math.max(...o)).toBeGreaterThan(0.9 / Math.sqrt(16));
    expect(new MultiheadAttention(16, 4, { bias: false }).stateDict()).not.toHaveProperty('in_proj_bias');
  });

  const encoderSpec = {
    type: 'TransformerEncoder',
    encoder_layer: {
      type: 'TransformerEncoderLayer',
      d_model: 8,
      nhead: 2,
      dim_feedforward: 12,
      batch_first: true,
    },
    num_layers: 2,
    norm: { type: 'LayerNorm', normalized_shape: 8 },
  };

  it('TransformerEncoder: PyTorch names, and every layer starts as a copy of the first (_get_clones)', () => {
    const model = buildModel({ layers: [encoderSpec] }, new Generator(3));
    const sd = model.stateDict();
    expect(Object.keys(sd)).toEqual([
      ...['0', '1'].flatMap((l) =>
        [
          'self_attn.in_proj_weight',
          'self_attn.in_proj_bias',
          'self_attn.out_proj.weight',
          'self_attn.out_proj.bias',
          'linear1.weight',
          'linear1.bias',
          'linear2.weight',
          'linear2.bias',
          'norm1.weight',
          'norm1.bias',
          'norm2.weight',
          'norm2.bias',
        ].map((k) => `0.layers.${l}.${k}`),
      ),
      '0.norm.weight',
      '0.norm.bias',
    ]);
    expect([...sd['0.layers.1.linear1.weight'].data]).toEqual([...sd['0.layers.0.linear1.weight'].data]);
    // copies, not shared tensors: training moves them apart
    expect(sd['0.layers.1.linear1.weight'].data).not.toBe(sd['0.layers.0.linear1.weight'].data);
  });

  it('TransformerEncoderLayer defaults are PyTorch’s (dim_feedforward 2048, dropout 0.1, relu)', () => {
    const [spec] = parseModelSpec({
      layers: [{ type: 'TransformerEncoderLayer', d_model: 8, nhead: 2 }],
    }).layers;
    expect(spec).toMatchObject({
      dim_feedforward: 2048,
      dropout: 0.1,
      activation: 'relu',
      layer_norm_eps: 1e-5,
      batch_first: false,
      norm_first: false,
    });
  });

  it('dropout is seeded: same seed, same output; a different seed, a different one; eval is deterministic', () => {
    const layers = [{ ...encoderSpec, encoder_layer: { ...encoderSpec.encoder_layer, dropout: 0.3 } }];
    const x = randomTensor([3, 5, 8], 2);
    const run = (seed: number, train = true) => {
      const model = buildModel({ layers }, new Generator(seed));
      model.loadStateDict(buildModel({ layers }, new Generator(0)).stateDict());
      model.train(train);
      return [...model.forward(x).data];
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(run(1, false)).toEqual(run(2, false));
  });

  it('PositionalEncoding has no state-dict entries and adds the sinusoidal table', () => {
    const model = buildModel(
      { layers: [{ type: 'PositionalEncoding', d_model: 4, dropout: 0, batch_first: true }] },
      new Generator(0),
    );
    expect(Object.keys(model.stateDict())).toEqual([]);
    const out = model.forward(new Tensor(new Float32Array(2 * 4), [1, 2, 4]));
    expect([...out.data]).toEqual(
      [0, 1, 0, 1, Math.sin(1), Math.cos(1), Math.sin(0.01), Math.cos(0.01)].map(Math.fround),
    );
  });

  it('refuses bad specs naming the field', () => {
    const issues = (layers: unknown[]) => {
      try {
        parseModelSpec({ layers });
      } catch (err) {
        return (err as SpecError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
      return [];
    };
    expect(issues([{ type: 'MultiheadAttention', embed_dim: 10, num_heads: 3 }])).toEqual([
      'layers.0.num_heads: embed_dim must be divisible by num_heads',
    ]);
    expect(issues([{ type: 'MultiheadAttention', embed_dim: 8, num_heads: 2, kdim: 4 }])[0]).toMatch(
      /^layers.0.kdim: kdim must equal embed_dim/,
    );
    expect(
      issues([{ type: 'MultiheadAttention', embed_dim: 8, num_heads: 2, add_bias_kv: true }])[0],
    ).toMatch(/^layers.0.add_bias_kv: add_bias_kv is not supported/);
    expect(
      issues([{ type: 'TransformerEncoderLayer', d_model: 8, nhead: 2, activation: 'tanh' }])[0],
    ).toMatch(/^layers.0.activation/);
    expect(
      issues([
        {
          ...encoderSpec,
          encoder_layer: { ...encoderSpec.encoder_layer, src_key_padding_mask: 'padding_idx' },
        },
      ]),
    ).toEqual([
      'layers.0.encoder_layer.src_key_padding_mask: set src_key_padding_mask on the TransformerEncoder, which passes it to every layer',
    ]);
    expect(issues([{ ...encoderSpec, norm: { type: 'LayerNorm', normalized_shape: 4 } }])).toEqual([
      'layers.0.norm.normalized_shape: expected normalized_shape 8 (d_model)',
    ]);
    expect(issues([{ type: 'PositionalEncoding', d_model: 5 }])).toEqual([
      'layers.0.d_model: d_model must be even (the encoding pairs a sine and a cosine)',
    ]);
  });

  it('a padding mask without an Embedding with padding_idx before it is a clear error at run time', () => {
    const model = buildModel(
      {
        layers: [
          {
            type: 'MultiheadAttention',
            embed_dim: 4,
            num_heads: 1,
            batch_first: true,
            key_padding_mask: 'padding_idx',
          },
        ],
      },
      new Generator(0),
    );
    expect(() => model.forward(randomTensor([2, 3, 4], 1))).toThrow(
      /MultiheadAttention: key_padding_mask "padding_idx" needs an Embedding with padding_idx/,
    );
  });
});

describe('attention shape rules and activation memory', () => {
  const parse = (...layers: unknown[]) => parseModelSpec({ layers }).layers;
  const emb = { type: 'Embedding', num_embeddings: 10, embedding_dim: 8, padding_idx: 0 };
  const enc = {
    type: 'TransformerEncoder',
    encoder_layer: {
      type: 'TransformerEncoderLayer',
      d_model: 8,
      nhead: 2,
      dim_feedforward: 16,
      batch_first: true,
    },
    num_layers: 2,
    src_key_padding_mask: 'padding_idx',
  };

  it('walk tokens → encoder → Mean, and refuse a wrong d_model, a flat input or a mask without padding ids', () => {
    const stack = parse(emb, { type: 'PositionalEncoding', d_model: 8, batch_first: true }, enc, {
      type: 'Mean',
      dim: 1,
    });
    expect(checkLayerShapes(stack, [7]).layerShapes).toEqual([[7, 8], [7, 8], [7, 8], [8]]);
    const wide = parse({ ...emb, embedding_dim: 6 }, enc);
    expect(checkLayerShapes(wide, [7]).issues[0]).toEqual({
      path: ['layers', 1, 'encoder_layer', 'd_model'],
      message: expect.stringMatching(/is 8 but the previous layer gives 6 features per step/),
    });
    expect(
      checkLayerShapes(parse({ type: 'MultiheadAttention', embed_dim: 8, num_heads: 2 }), [8]).issues[0]
        .message,
    ).toMatch(/expects 3D input/);
    expect(checkLayerShapes(parse({ ...emb, padding_idx: null }, enc), [7]).issues[0]).toEqual({
      path: ['layers', 1, 'src_key_padding_mask'],
      message: expect.stringMatching(/needs an Embedding with padding_idx/),
    });
    const timeMajor = { ...enc, encoder_layer: { ...enc.encoder_layer, batch_first: false } };
    expect(checkLayerShapes(parse(emb, timeMajor), [7]).issues[0].message).toMatch(/needs batch_first: true/);
  });

  it('counts the attention weights (samples × heads × steps²) and every encoder layer', () => {
    const mha = parse({ type: 'MultiheadAttention', embed_dim: 8, num_heads: 2, batch_first: true })[0];
    const cost = layerActivationCost(mha, [50, 8], [50, 8], 4);
    const rows = 4 * 50;
    expect(cost.keptBytes).toBe(4 * (rows * 3 * 8 + 4 * 2 * 50 * 50 + 2 * rows * 8));
    const one = layerActivationCost(parse({ ...enc, num_layers: 1 })[1 - 1], [50, 8], [50, 8], 4).keptBytes;
    const two = layerActivationCost(parse(enc)[0], [50, 8], [50, 8], 4).keptBytes;
    expect(two).toBe(2 * one);
    expect(one).toBeGreaterThan(cost.keptBytes);
    const memory = activationMemory(parse(emb, enc, { type: 'Mean', dim: 1 }), [50], 4);
    expect(memory.unknownAt).toBeNull();
  });
});
