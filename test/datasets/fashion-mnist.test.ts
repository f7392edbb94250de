/**
 * Fashion-MNIST read from Debian's dataset-fashion-mnist files: 60,000 training and 10,000 test
 * images of 28×28 uint8 pixels, balanced over 10 classes (the dataset's published counts), and a
 * message that says how to install the files where they are missing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FASHION_MNIST_DIR,
  FashionMnistMissingError,
  fashionMnistImages,
  fashionMnistLabels,
} from '../../src/datasets/fashion-mnist.js';

const installed = existsSync(join(DEFAULT_FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz'));
if (!installed) console.warn('Fashion-MNIST tests skipped: apt-get install dataset-fashion-mnist');

describe.skipIf(!installed)('Fashion-MNIST from the installed files', () => {
  it.each([
    ['train', 60_000],
    ['test', 10_000],
  ] as const)('%s: %i images of 28×28 pixels, the same number of each class', (split, rows) => {
    const y = fashionMnistLabels(DEFAULT_FASHION_MNIST_DIR, split);
    expect(y).toHaveLength(rows);
    const counts = new Array(10).fill(0);
    for (const label of y) counts[label]++;
    expect(counts).toEqual(new Array(10).fill(rows / 10));
    const x = fashionMnistImages(DEFAULT_FASHION_MNIST_DIR, split);
    expect(x).toBeInstanceOf(Uint8Array);
    expect(x.length).toBe(rows * 28 * 28);
    expect(Math.max(...x.subarray(0, 784 * 10))).toBeGreaterThan(200); // pixels, not noise-free zeros
  });
});

describe('Fashion-MNIST where the files are missing', () => {
  it('names the package to install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trainyard-no-fmnist-'));
    try {
      expect(() => fashionMnistLabels(dir, 'test')).toThrow(FashionMnistMissingError);
      expect(() => fashionMnistLabels(dir, 'test')).toThrow(/apt-get install dataset-fashion-mnist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
