import { describe, expect, it } from 'vitest';
import { loadBuiltin } from '../../src/datasets/builtin.js';
import { CsvDatasetParser, DatasetError, parseCsv } from '../../src/datasets/csv.js';
import { summarize } from '../../src/datasets/dataset.js';
import { generateSynthetic, syntheticSpecSchema } from '../../src/datasets/synthetic.js';

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DatasetError) return err;
    throw err;
  }
  throw new Error('expected a DatasetError');
}

describe('CSV datasets', () => {
  it('parses numeric features and string labels into sorted class indices', () => {
    const d = parseCsv('a,b,label\n1,2,cat\n3,4.5,dog\n-1e2,0,cat\n');
    expect(d.rows).toBe(3);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4.5, -100, 0]);
    expect(d.labels).toEqual(['cat', 'dog']);
    expect(Array.from(d.y)).toEqual([0, 1, 0]);
    expect(d.targetKind).toBe('class');
  });

  it('takes the target column by name, real targets as floats, CRLF and quotes', () => {
    const d = parseCsv('"price",size,"room, count"\r\n1.5,10,2\r\n2.25,20,3\r\n', { target: 'price' });
    expect(d.featureNames).toEqual(['size', 'room, count']);
    expect(d.targetKind).toBe('float');
    expect(Array.from(d.y)).toEqual([1.5, 2.25]);
  });

  it('accepts chunks split anywhere', () => {
    const text = 'a,b,y\n1,2,0\n3,4,1\n5,6,0\n';
    const p = new CsvDatasetParser();
    for (const ch of text) p.push(ch);
    expect(Array.from(p.end().x)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('names the row and column of bad files', () => {
    expect(errorOf(() => parseCsv('a,b,y\n1,2,0\n1,2\n')).message).toBe('row 2: expected 3 columns, found 2');
    const nonNumeric = errorOf(() => parseCsv('a,b,y\n1,2,0\n1,abc,1\n'));
    expect(nonNumeric.message).toBe("row 2, column 'b': 'abc' is not a finite number");
    expect(nonNumeric.location).toEqual({ row: 2, column: 'b' });
    expect(errorOf(() => parseCsv('a,b,y\n1,NaN,0\n')).message).toMatch(/column 'b'/);
    expect(errorOf(() => parseCsv('a,b\n1,2\n', { target: 'label' })).message).toMatch(
      /target column 'label' is not in the header/,
    );
    expect(errorOf(() => parseCsv('')).message).toMatch(/empty/);
    expect(errorOf(() => parseCsv('a,b,y\n')).message).toMatch(/no data rows/);
    expect(errorOf(() => parseCsv('a,a,y\n1,2,3\n')).message).toMatch(/appears twice/);
    expect(errorOf(() => parseCsv('a,b,y\n1,2,0\n3,4,1\n', { maxRows: 1 })).message).toMatch(
      /more than 1 rows/,
    );
  });

  it('summarises features', () => {
    const s = summarize(parseCsv('a,b,y\n1,10,0\n3,10,1\n'));
    expect(s.feature_stats[0]).toEqual({ name: 'a', mean: 2, std: 1, min: 1, max: 3 });
    expect(s.feature_stats[1].std).toBe(0);
    expect(s.target).toEqual({ name: 'y', kind: 'class', classes: 2 });
    expect(s.size_bytes).toBe(2 * 2 * 4 + 2 * 4);
  });
});

describe('built-in datasets', () => {
  it('ships Iris (150 × 4, 3 classes) and digits (1,797 × 64, 10 classes)', () => {
    const iris = loadBuiltin('iris');
    expect([iris.rows, iris.features, iris.labels]).toEqual([150, 4, ['setosa', 'versicolor', 'virginica']]);
    expect(Array.from(iris.y).filter((c) => c === 2)).toHaveLength(50);
    const digits = loadBuiltin('digits');
    expect([digits.rows, digits.features]).toEqual([1797, 64]);
    expect(new Set(digits.y).size).toBe(10);
    expect(Math.max(...digits.x)).toBe(16);
    const wine = loadBuiltin('wine');
    expect([wine.rows, wine.features, new Set(wine.y).size]).toEqual([178, 13, 3]);
  });
});

describe('synthetic datasets', () => {
  it.each(['moons', 'circles', 'blobs', 'spirals', 'regression', 'parity', 'sine'])(
    '%s is deterministic for a seed',
    (type) => {
      const spec = syntheticSpecSchema.parse({ type, n_samples: 100, seed: 3 });
      const a = generateSynthetic(spec);
      const b = generateSynthetic(spec);
      expect(a.rows).toBe(100);
      expect(Array.from(a.x)).toEqual(Array.from(b.x));
      expect(Array.from(a.y)).toEqual(Array.from(b.y));
      const c = generateSynthetic(syntheticSpecSchema.parse({ type, n_samples: 100, seed: 4 }));
      expect(Array.from(c.x)).not.toEqual(Array.from(a.x));
    },
  );

  it('parity labels each bit string by the parity of its ones', () => {
    const d = generateSynthetic(syntheticSpecSchema.parse({ type: 'parity', n_samples: 200, seq_len: 7 }));
    expect(d.features).toBe(7);
    expect(d.featureNames[6]).toBe('t6');
    const counts = [0, 0];
    for (let i = 0; i < d.rows; i++) {
      const bits = Array.from(d.x.subarray(7 * i, 7 * i + 7));
      for (const b of bits) expect([0, 1]).toContain(b);
      expect(d.y[i]).toBe(bits.filter((b) => b === 1).length % 2);
      counts[d.y[i]]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(60); // both classes, roughly balanced
  });

  it('sine targets continue each noiseless window by one step', () => {
    const len = 12;
    const d = generateSynthetic(
      syntheticSpecSchema.parse({ type: 'sine', n_samples: 20, seq_len: len, noise: 0 }),
    );
    expect(d.targetKind).toBe('float');
    for (let i = 0; i < d.rows; i++) {
      const w = Array.from(d.x.subarray(len * i, len * (i + 1)));
      // A sampled sinusoid obeys w[t+1] = 2cos(ω)·w[t] − w[t−1]; fit 2cos(ω) on the window, extrapolate.
      const c = (w[2] + w[0]) / w[1];
      for (let t = 2; t < len; t++) expect(w[t]).toBeCloseTo(c * w[t - 1] - w[t - 2], 4);
      expect(d.y[i]).toBeCloseTo(c * w[len - 1] - w[len - 2], 4);
    }
  });

  it('moons without noise lie on two unit half-circles, labelled by moon', () => {
    const d = generateSynthetic(syntheticSpecSchema.parse({ type: 'moons', n_samples: 50, noise: 0 }));
    for (let i = 0; i < d.rows; i++) {
      const [px, py] = [d.x[2 * i], d.x[2 * i + 1]];
      const [cx, cy] = d.y[i] === 0 ? [0, 0] : [1, 0.5];
      expect(Math.hypot(px - cx, py - cy)).toBeCloseTo(1, 5);
    }
    expect(Array.from(d.y).filter((v) => v === 1)).toHaveLength(25);
  });

  it('circles put class 1 on the inner circle of radius factor', () => {
    const d = generateSynthetic(
      syntheticSpecSchema.parse({ type: 'circles', n_samples: 40, noise: 0, factor: 0.3 }),
    );
    for (let i = 0; i < d.rows; i++)
      expect(Math.hypot(d.x[2 * i], d.x[2 * i + 1])).toBeCloseTo(d.y[i] === 1 ? 0.3 : 1, 5);
  });

  it('regression is linear in its features', () => {
    const d = generateSynthetic(
      syntheticSpecSchema.parse({ type: 'regression', n_samples: 30, n_features: 2, noise: 0 }),
    );
    expect(d.targetKind).toBe('float');
    // Three samples determine the plane; a fourth must lie on it.
    const row = (i: number) => [d.x[2 * i], d.x[2 * i + 1], 1];
    const solve = (m: number[][], v: number[]) => {
      const det = (a: number[][]) =>
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
        a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
        a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
      const d0 = det(m);
      return [0, 1, 2].map((k) => det(m.map((r, i) => r.map((c, j) => (j === k ? v[i] : c)))) / d0);
    };
    const w = solve([row(0), row(1), row(2)], [d.y[0], d.y[1], d.y[2]]);
    const r3 = row(3);
    expect(r3[0] * w[0] + r3[1] * w[1] + w[2]).toBeCloseTo(d.y[3], 3);
  });
});
