/**
 * `npm run bench [-- --workload W1]`: the engine's figures, one line each: `<workload> <metric> <value>`.
 *
 * Besides the single-thread figures: W1 and W3 with two threads on one job (intra-op parallelism,
 * `*_2threads`), W1 as two concurrent jobs on two worker threads (`two_jobs_speedup`: their summed
 * throughput over one job's), W1's peak resident memory, W4 with two threads and W4's peak resident
 * memory (run alone in a child process: `--peak-rss W4`). `--memory [epochs]` prints only W1's
 * memory after each epoch (`npm run build && node --expose-gc dist/scripts/bench.js --memory 5`).
 * The figures come from the compiled build, which is what the Docker image runs.
 */
import { fileURLToPath } from 'node:url';
import { startTrainingThread } from '../src/queue/thread-start.js';
import { entryUrl } from '../src/runtime/entry-url.js';
import {
  type Figure,
  formatFigure,
  memoryProfile,
  peakRss,
  peakRssInChild,
  runWorkload,
  WORKLOADS,
  type WorkloadId,
  withThreads,
} from './bench-workloads.js';

function selectedWorkloads(argv: readonly string[]): WorkloadId[] {
  const i = argv.indexOf('--workload');
  if (i < 0) return [...WORKLOADS];
  const id = argv[i + 1] as WorkloadId;
  if (!WORKLOADS.includes(id))
    throw new Error(`--workload must be one of ${WORKLOADS.join(', ')}, got ${id}`);
  return [id];
}

/**
 * Runs `workload` in a new thread, started as the service starts its training threads. Resolves
 * once the thread has exited: tearing down its heap (W1's 180 MiB of data) takes a core for a while,
 * and the next workload would otherwise be timed beside it.
 */
function inThread(workload: WorkloadId): Promise<Figure[]> {
  return new Promise((resolve, reject) => {
    const thread = startTrainingThread(entryUrl('./bench-job', import.meta.url), { workload });
    let figures: Figure[] | null = null;
    thread.once('message', (message: Figure[]) => {
      figures = message;
    });
    thread.once('error', reject);
    thread.once('exit', () =>
      figures === null
        ? reject(new Error(`bench thread for ${workload} exited without figures`))
        : resolve(figures),
    );
  });
}

function print(figures: Figure[]): void {
  for (const figure of figures) console.log(formatFigure(figure));
}

function renamed(figures: Figure[], suffix: string): Figure[] {
  return figures.map((f) => ({ ...f, metric: `${f.metric}${suffix}` }));
}

// `--memory [epochs]`: W1's memory per epoch only (run under `node --expose-gc` for post-GC figures).
const memoryFlag = process.argv.indexOf('--memory');
if (memoryFlag >= 0) {
  print(memoryProfile(Number(process.argv[memoryFlag + 1] ?? 5) || 5));
  process.exit(0);
}

// `--peak-rss <workload>`: runs that workload alone and prints its peak resident memory.
const rssFlag = process.argv.indexOf('--peak-rss');
if (rssFlag >= 0) {
  print([peakRss(process.argv[rssFlag + 1] as WorkloadId)]);
  process.exit(0);
}

for (const id of selectedWorkloads(process.argv.slice(2))) {
  const single = runWorkload(id);
  print(single);
  if (id === 'W1') {
    print([{ workload: 'W1', metric: 'peak_rss_mb', value: process.resourceUsage().maxRSS / 1024 }]);
    print(renamed(await withThreads(2, () => runWorkload('W1')), '_2threads'));
    const jobs = await Promise.all([inThread('W1'), inThread('W1')]);
    const total = jobs.reduce((sum, figures) => sum + figures[0].value, 0);
    print([{ workload: 'W1', metric: 'two_jobs_speedup', value: total / single[0].value }]);
  }
  if (id === 'W4') {
    print(renamed(await withThreads(2, () => runWorkload('W4')), '_2threads'));
    const rss = peakRssInChild(fileURLToPath(import.meta.url), 'W4');
    if (rss !== null) print([{ workload: 'W4', metric: 'peak_rss_mb', value: rss }]);
  }
  if (id === 'W3') print(renamed(await withThreads(2, () => runWorkload('W3')), '_2threads'));
}
