/** `trainyard list [--status s] [--limit n]`: jobs, newest first. */
import { listJobs } from '../../../openapi/sdk/sdk.gen.js';
import type { JobStatus } from '../../../openapi/sdk/types.gen.js';
import { type Context, EXIT, printJson, unwrap } from '../context.js';

export async function list(ctx: Context, options: { status?: string; limit?: string }) {
  const page = unwrap(
    await listJobs({
      client: ctx.client,
      query: {
        status: options.status as JobStatus | undefined,
        limit: options.limit === undefined ? 20 : Number(options.limit),
      },
    }),
  );
  if (ctx.output.json) {
    printJson(ctx.output, page);
    return EXIT.ok;
  }
  const rows = page.data.map((job) => [
    job.id,
    job.status,
    `${job.progress.epoch}/${job.progress.epochs}`,
    job.metrics ? Number(job.metrics.loss.toPrecision(5)).toString() : '-',
    job.name ?? '',
  ]);
  const header = ['ID', 'STATUS', 'EPOCH', 'LOSS', 'NAME'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows])
    ctx.output.out(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
  return EXIT.ok;
}
