/**
 * Job templates for the submit page: the README's SimpleNN (10 features, 2 classes, seeded data),
 * small classifiers on the built-in datasets, the Fashion-MNIST CNN of the README, and sequence models on the synthetic sequence tasks.
 * test/dashboard/examples.test.ts submits each through the service's own checks.
 */

function seededData(samples, features, seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const round = (v) => Math.round(v * 1000) / 1000;
  const x = Array.from({ length: samples }, () =>
    Array.from({ length: features }, () => round(next() * 2 - 1)),
  );
  const y = x.map((row) => (row[0] + row[1] + row[2] > 0 ? 1 : 0));
  return { x, y };
}

function classifier(name, dataset, features, classes, epochs) {
  return {
    name,
    model: {
      layers: [
        { type: 'Linear', in_features: features, out_features: 32 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 32, out_features: classes },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { builtin: dataset },
    training: { epochs, batch_size: 32, shuffle: true, seed: 42, validation_split: 0.2 },
  };
}

export const EXAMPLES = {
  'SimpleNN (inline data)': {
    name: 'simple-nn',
    metadata: { team: 'ml' },
    model: {
      layers: [
        { type: 'Linear', in_features: 10, out_features: 20 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 20, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    scheduler: { type: 'StepLR', step_size: 30, gamma: 0.1 },
    data: seededData(100, 10, 1),
    training: { epochs: 100, batch_size: 16, shuffle: true, seed: 42, grad_clip: { max_norm: 1.0 } },
  },
  'Iris (built-in dataset)': classifier('iris', 'iris', 4, 3, 100),
  'Wine (built-in dataset)': classifier('wine', 'wine', 13, 3, 100),
  'Digits (built-in dataset)': classifier('digits', 'digits', 64, 10, 30),
  'Fashion-MNIST CNN (built-in images)': {
    name: 'fashion-mnist-cnn',
    model: {
      layers: [
        { type: 'Conv2d', in_channels: 1, out_channels: 32, kernel_size: 3, padding: 1 },
        { type: 'ReLU' },
        { type: 'MaxPool2d', kernel_size: 2 },
        { type: 'Conv2d', in_channels: 32, out_channels: 64, kernel_size: 3, padding: 1 },
        { type: 'ReLU' },
        { type: 'MaxPool2d', kernel_size: 2 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 3136, out_features: 128 },
        { type: 'ReLU' },
        { type: 'Linear', in_features: 128, out_features: 10 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.001 },
    data: { builtin: 'fashion-mnist', split: 'train' },
    validation: { builtin: 'fashion-mnist', split: 'test' },
    training: { epochs: 5, batch_size: 64, shuffle: true, seed: 0 },
  },
  'LSTM parity (synthetic sequences)': {
    name: 'lstm-parity',
    model: {
      layers: [
        { type: 'Embedding', num_embeddings: 2, embedding_dim: 8 },
        { type: 'LSTM', input_size: 8, hidden_size: 32, batch_first: true },
        { type: 'Select', dim: 1, index: -1 },
        { type: 'Linear', in_features: 32, out_features: 2 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.01 },
    data: { synthetic: { type: 'parity', n_samples: 1024, seq_len: 8, seed: 1 } },
    training: { epochs: 30, batch_size: 32, shuffle: true, seed: 42, validation_split: 0.2 },
  },
  'GRU next value of a noisy sine (regression)': {
    name: 'gru-sine',
    model: {
      layers: [
        { type: 'Unflatten', dim: 1, unflattened_size: [20, 1] },
        { type: 'GRU', input_size: 1, hidden_size: 32, batch_first: true },
        { type: 'Select', dim: 1, index: -1 },
        { type: 'Linear', in_features: 32, out_features: 1 },
      ],
    },
    loss: { type: 'MSELoss' },
    optimizer: { type: 'Adam', lr: 0.005 },
    data: { synthetic: { type: 'sine', n_samples: 1024, seq_len: 20, seed: 1 } },
    training: { epochs: 20, batch_size: 32, shuffle: true, seed: 42, validation_split: 0.2 },
  },
  'Transformer encoder (blobs read as sequences)': {
    name: 'transformer-blobs',
    model: {
      layers: [
        { type: 'Unflatten', dim: 1, unflattened_size: [8, 1] },
        { type: 'Linear', in_features: 1, out_features: 16 },
        { type: 'PositionalEncoding', d_model: 16, dropout: 0.1, batch_first: true },
        {
          type: 'TransformerEncoder',
          encoder_layer: {
            type: 'TransformerEncoderLayer',
            d_model: 16,
            nhead: 2,
            dim_feedforward: 32,
            dropout: 0.1,
            batch_first: true,
          },
          num_layers: 2,
        },
        { type: 'Mean', dim: 1 },
        { type: 'Linear', in_features: 16, out_features: 4 },
      ],
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'AdamW', lr: 0.003, weight_decay: 0.01 },
    data: { synthetic: { type: 'blobs', n_samples: 1024, n_features: 8, centers: 4, noise: 2, seed: 1 } },
    training: { epochs: 20, batch_size: 32, shuffle: true, seed: 42, validation_split: 0.2 },
  },
  'Residual MLP graph (synthetic blobs)': {
    name: 'residual-mlp-blobs',
    model: {
      inputs: ['x'],
      nodes: [
        { name: 'stem', layer: { type: 'Linear', in_features: 8, out_features: 32 }, input: 'x' },
        { name: 'act', layer: { type: 'ReLU' }, input: 'stem' },
        {
          name: 'block',
          layer: {
            type: 'Sequential',
            layers: [
              { type: 'Linear', in_features: 32, out_features: 32 },
              { type: 'ReLU' },
              { type: 'Linear', in_features: 32, out_features: 32 },
            ],
          },
          input: 'act',
        },
        { name: 'sum', op: 'add', inputs: ['block', 'act'] },
        { name: 'relu', layer: { type: 'ReLU' }, input: 'sum' },
        { name: 'head', layer: { type: 'Linear', in_features: 32, out_features: 4 }, input: 'relu' },
      ],
      output: 'head',
    },
    loss: { type: 'CrossEntropyLoss' },
    optimizer: { type: 'Adam', lr: 0.003 },
    data: { synthetic: { type: 'blobs', n_samples: 1024, n_features: 8, centers: 4, noise: 2, seed: 1 } },
    training: { epochs: 20, batch_size: 32, shuffle: true, seed: 42, validation_split: 0.2 },
  },
};

/** Compact JSON: one data row per line, so the editor stays readable. */
export function formatJob(job) {
  return JSON.stringify(job, null, 2).replace(
    /\[\s+([-\d.,\s]+?)\s+\]/g,
    (_, inner) => `[${inner.split(/,\s*/).join(', ')}]`,
  );
}
