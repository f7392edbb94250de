/**
 * Job templates for the submit page: the README's SimpleNN (10 features, 2 classes, seeded data)
 * and small classifiers on the built-in datasets.
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
};

/** Compact JSON: one data row per line, so the editor stays readable. */
export function formatJob(job) {
  return JSON.stringify(job, null, 2).replace(
    /\[\s+([-\d.,\s]+?)\s+\]/g,
    (_, inner) => `[${inner.split(/,\s*/).join(', ')}]`,
  );
}
