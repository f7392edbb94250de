/**
 * A dataset as Trainyard stores it: features (row-major, rows × features; float32, or uint8
 * pixels scaled to [0, 1] when read, or int32 integers such as token ids) and one target column,
 * either class indices (Int32, with the label names when the CSV had strings) or real values
 * (Float32).
 */

/** How x is stored: `uint8` values are read as value / 255. */
export const STORED_DTYPES = ['float32', 'uint8', 'int32'] as const;
export type StoredDtype = (typeof STORED_DTYPES)[number];

export interface Dataset {
  rows: number;
  features: number;
  /** One sample's shape; absent means `[features]`. */
  sampleShape?: number[];
  featureNames: string[];
  x: Float32Array | Uint8Array | Int32Array;
  /** How x is stored (float32 when absent). */
  dtype?: StoredDtype;
  /** The uploaded array's dtype as its file declared it (`<i8`, IDX `uint8`). */
  sourceDtype?: string;
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
  /** Absent in records written before x could be stored as anything but float32. */
  x?: XEncoding;
  target: { name: string; kind: 'class' | 'float'; classes?: number; labels?: string[] };
  feature_stats: FeatureStats[];
  size_bytes: number;
}

/** How a dataset's x is stored and read. */
export interface XEncoding {
  dtype: StoredDtype;
  source_dtype: string | null;
  /** Jobs read each stored value times this. */
  scale: number;
  note: string;
}

export const UINT8_SCALE = 1 / 255;

export function xEncoding(d: Pick<Dataset, 'dtype' | 'sourceDtype'>): XEncoding {
  const dtype = d.dtype ?? 'float32';
  const source = d.sourceDtype ?? null;
  const from = source === null ? '' : ` (uploaded as ${source})`;
  const note =
    dtype === 'uint8'
      ? `stored as uint8, 1 byte per value${from}; scaled by 1/255 to float32 in [0, 1] when a job reads it (as torchvision's ToTensor does); feature_stats are of the scaled values`
      : dtype === 'int32'
        ? `integers stored as int32${from}, read as float32 by jobs; usable as token ids of a model starting with an Embedding`
        : `stored as float32${from}`;
  return { dtype, source_dtype: source, scale: dtype === 'uint8' ? UINT8_SCALE : 1, note };
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
  const encoding = xEncoding(d);
  const scale = encoding.scale;
  for (let i = 0; i < d.rows; i++) {
    for (let j = 0; j < f; j++) {
      const v = d.x[i * f + j] * scale;
      sum[j] += v;
      if (v < stats[j].min) stats[j].min = v;
      if (v > stats[j].max) stats[j].max = v;
    }
  }
  for (let j = 0; j < f; j++) stats[j].mean = sum[j] / Math.max(d.rows, 1);
  for (let i = 0; i < d.rows; i++)
    for (let j = 0; j < f; j++) sq[j] += (d.x[i * f + j] * scale - stats[j].mean) ** 2;
  for (let j = 0; j < f; j++) {
    stats[j].std = Math.sqrt(sq[j] / Math.max(d.rows, 1));
    if (d.rows === 0) stats[j].min = stats[j].max = 0;
  }
  const classes = classCount(d);
  return {
    rows: d.rows,
    features: f,
    sample_shape: d.sampleShape ?? [f],
    x: encoding,
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
