/** The bench's workload names and its output lines, `<workload> <metric> <value>`. */

export type WorkloadId = 'W1' | 'W2' | 'W3';
export const WORKLOADS: readonly WorkloadId[] = ['W1', 'W2', 'W3'];

/** One figure: `<workload> <metric> <value>`. */
export interface Figure {
  workload: WorkloadId;
  metric: string;
  value: number;
}

export function formatFigure(f: Figure): string {
  const digits = f.value >= 100 ? 0 : 1;
  return `${f.workload} ${f.metric} ${f.value.toFixed(digits)}`;
}
