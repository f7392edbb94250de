/**
 * `trainyard logs <id> [--follow]`: the per-epoch history; with `--follow`, the live event
 * stream to the end (progress bar, exit code 1 unless the job succeeds).
 */
import { getJobMetrics } from '../../../openapi/sdk/sdk.gen.js';
import { CliError, type Context, EXIT, printJson, unwrap } from '../context.js';
import { epochLine, follow } from '../progress.js';

export async function logs(ctx: Context, id: string | undefined, options: { follow: boolean }) {
  if (id === undefined) throw new CliError('usage: trainyard logs <job-id> [--follow]', EXIT.usage);
  if (options.follow) return follow(ctx, id);
  const history = unwrap(await getJobMetrics({ client: ctx.client, path: { id } }));
  if (ctx.output.json) printJson(ctx.output, history);
  else for (const epoch of history.epochs) ctx.output.out(epochLine(epoch));
  return EXIT.ok;
}
