/**
 * A dataset as Trainyard stores it: float32 features (row-major, rows × features) and one
 * target column, either class indices (Int32, with the label names when the CSV had strings) or
 * real values (Float32).
 */

export interface Dataset {
  rows: number;
  features: number;
  featureNames: string[];
  x: Float32Array;
  /** `class`: integer targets usable as class indices; `float`: real-valued targets. */
  targetKind: 'class' | 'float';
  y: Int32Array | Float32Array;
  targetName: string;
  /** Class names by index, when the target column held strings. */
  labels?: string[];
}

export interface FeatureStats {
  name: string;
  mean: number;
  std: number;
  min: number;
  max: number;
}

export interface DatasetSummary {
  rows: number;
  features: number;
  /** Absent in records written before samples could have a shape: `[features]`. */
  sample_shape?: number[];
  target: { name: string; kind: 'class' | 'float'; classes?: number; labels?: string[] };
  feature_stats: FeatureStats[];
  size_bytes: number;
}

/** Number of classes of a class-target dataset: one more than the largest index. */
export function classCount(d: Dataset): number | undefined {
  if (d.targetKind !== 'class') return undefined;
  if (d.labels !== undefined) return d.labels.length;
  let max = -1;
  for (const v of d.y) max = Math.max(max, v);
  return max + 1;
}

export function summarize(d: Dataset): DatasetSummary {
  const f = d.features;
  const stats: FeatureStats[] = d.featureNames.map((name) => ({
    name,
    mean: 0,
    std: 0,
    min: Infinity,
    max: -Infinity,
  }));
  const sum = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < d.rows; i++) {
    for (let j = 0; j < f; j++) {
      const v = d.x[i * f + j];
      sum[j] += v;
      if (v < stats[j].min) stats[j].min = v;
      if (v > stats[j].max) stats[j].max = v;
    }
  }
  for (let j = 0; j < f; j++) stats[j].mean = sum[j] / Math.max(d.rows, 1);
  for (let i = 0; i < d.rows; i++) for (let j = 0; j < f; j++) sq[j] += (d.x[i * f + j] - stats[j].mean) ** 2;
  for (let j = 0; j < f; j++) {
    stats[j].std = Math.sqrt(sq[j] / Math.max(d.rows, 1));
    if (d.rows === 0) stats[j].min = stats[j].max = 0;
  }
  const classes = classCount(d);
  return {
    rows: d.rows,
    features: f,
    target: {
      name: d.targetName,
      kind: d.targetKind,
      ...(classes === undefined ? {} : { classes }),
      ...(d.labels === undefined ? {} : { labels: d.labels }),
    },
    feature_stats: stats,
    size_bytes: d.x.byteLength + d.y.byteLength,
  };
}

/** The dataset as the nested arrays a job's inline data uses. */
export function toArrays(d: Dataset): { x: number[][]; y: number[] } {
  const x = Array.from({ length: d.rows }, (_, i) =>
    Array.from(d.x.subarray(i * d.features, (i + 1) * d.features)),
  );
  return { x, y: Array.from(d.y) };
}
