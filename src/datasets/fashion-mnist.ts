/**
 * Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test images of 28×28 grey
 * pixels in 10 classes, read from the IDX files Debian's `dataset-fashion-mnist` package installs
 * (`FASHION_MNIST_DIR`, /usr/share/datasets/fashion-mnist by default). Images keep their uint8
 * pixels; training scales them to [0, 1] (x / 255, as torchvision's ToTensor) when it loads them.
 * Each file is read once per process: the labels alone where only the targets are needed (the
 * API's checks), the images only where a job trains.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIdx } from './idx.js';

export const FASHION_MNIST_SPLITS = ['train', 'test'] as const;
export type FashionMnistSplit = (typeof FASHION_MNIST_SPLITS)[number];

export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The class names, by label index (the dataset's own README). */
export const FASHION_MNIST_LABELS = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export const FASHION_MNIST_SAMPLE_SHAPE = [1, 28, 28];

/** The files are not installed (or unreadable); the message says how to install them. */
export class FashionMnistMissingError extends Error {
  override name = 'FashionMnistMissingError';
}

const FILE_PREFIX: Record<FashionMnistSplit, string> = { train: 'train', test: 't10k' };

function read(dir: string, split: FashionMnistSplit, kind: 'images-idx3' | 'labels-idx1'): Uint8Array {
  const path = join(dir, `${FILE_PREFIX[split]}-${kind}-ubyte.gz`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FashionMnistMissingError(
      `the Fashion-MNIST files are not installed (${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); ` +
        'install them with `apt-get install dataset-fashion-mnist`, or set FASHION_MNIST_DIR to where they are',
    );
  }
}

const labelCache = new Map<string, Int32Array>();
const imageCache = new Map<string, Uint8Array>();

/** The split's class indices (one per image). */
export function fashionMnistLabels(dir: string, split: FashionMnistSplit): Int32Array {
  const key = `${dir}\0${split}`;
  let labels = labelCache.get(key);
  if (labels === undefined) {
    const idx = parseIdx(read(dir, split, 'labels-idx1'));
    if (idx.shape.length !== 1 || idx.dtype !== 'uint8')
      throw new FashionMnistMissingError(`${dir}: the ${split} labels file is not a uint8 vector`);
    labels = Int32Array.from(idx.values);
    labelCache.set(key, labels);
  }
  return labels;
}

/** The split's pixels, row-major (N, 1, 28, 28) uint8, checked against the labels' count. */
export function fashionMnistImages(dir: string, split: FashionMnistSplit): Uint8Array {
  const key = `${dir}\0${split}`;
  let images = imageCache.get(key);
  if (images === undefined) {
    const idx = parseIdx(read(dir, split, 'images-idx3'));
    const rows = fashionMnistLabels(dir, split).length;
    if (idx.dtype !== 'uint8' || idx.shape.join() !== [rows, 28, 28].join())
      throw new FashionMnistMissingError(
        `${dir}: the ${split} images file holds ${idx.dtype} [${idx.shape.join(', ')}], not ${rows} uint8 28×28 images`,
      );
    images = idx.values as Uint8Array;
    imageCache.set(key, images);
  }
  return images;
}
