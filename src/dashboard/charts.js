/**
 * Per-epoch line charts on uPlot (served from node_modules). Points are appended as epoch events
 * arrive; redraws are batched to one per animation frame, so replaying a long history is cheap.
 */
import uPlot from '/vendor/uplot/uPlot.esm.js';

const COLORS = ['#2563eb', '#f97316', '#16a34a', '#9333ea'];

export class EpochChart {
  /**
   * @param {HTMLElement} container
   * @param {{title: string, series: {key: string, label: string}[], log?: boolean}} options
   */
  constructor(container, { title, series, log = false }) {
    this.container = container;
    this.keys = series.map((s) => s.key);
    this.data = [[], ...series.map(() => [])];
    this.pending = false;
    this.plot = new uPlot(
      {
        title,
        width: this.width(),
        height: 220,
        legend: { live: true },
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [{ label: 'epoch' }, { size: 60 }],
        series: [
          { label: 'epoch' },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLORS[i % COLORS.length],
            width: 2,
            spanGaps: true,
            ...(i > 0 ? { dash: [6, 4] } : {}),
          })),
        ],
      },
      this.data,
      container,
    );
    this.onResize = () => this.plot.setSize({ width: this.width(), height: 220 });
    window.addEventListener('resize', this.onResize);
    container.dataset.points = '0';
  }

  width() {
    return Math.max(280, this.container.clientWidth || 600);
  }

  /** Adds one epoch's values (missing keys become gaps). */
  push(epoch, values) {
    this.data[0].push(epoch);
    this.keys.forEach((key, i) => {
      const v = values[key];
      this.data[i + 1].push(typeof v === 'number' && Number.isFinite(v) ? v : null);
    });
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.plot.setData(this.data);
      this.container.dataset.points = String(this.data[0].length);
    });
  }

  /** True when any value of `key` arrived (charts for absent metrics stay hidden). */
  has(key) {
    const i = this.keys.indexOf(key);
    return i >= 0 && this.data[i + 1].some((v) => v !== null);
  }

  destroy() {
    window.removeEventListener('resize', this.onResize);
    this.plot.destroy();
  }
}
