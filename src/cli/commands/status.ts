/** `trainyard status <id>`: one job; exit code 1 when it failed or was cancelled. */
import { getJob } from '../../../openapi/sdk/sdk.gen.js';
import { CliError, type Context, EXIT, printJson, unwrap } from '../context.js';

export async function status(ctx: Context, id: string | undefined) {
  if (id === undefined) throw new CliError('usage: trainyard status <job-id>', EXIT.usage);
  const job = unwrap(await getJob({ client: ctx.client, path: { id } }));
  if (ctx.output.json) printJson(ctx.output, job);
  else {
    const lines = [
      `${job.id}  ${job.status}${job.name ? `  (${job.name})` : ''}`,
      `epoch ${job.progress.epoch}/${job.progress.epochs}`,
      ...(job.metrics
        ? [
            Object.entries(job.metrics)
              .map(([k, v]) => `${k} ${Number(v.toPrecision(5))}`)
              .join('  '),
          ]
        : []),
      ...(job.error ? [`error ${job.error.code}: ${job.error.message}`] : []),
    ];
    for (const line of lines) ctx.output.out(line);
  }
  return job.status === 'failed' || job.status === 'cancelled' ? EXIT.failed : EXIT.ok;
}
