/** `trainyard cancel <id>`: a queued job never runs; a running one stops within a second. */
import { cancelJob } from '../../../openapi/sdk/sdk.gen.js';
import { CliError, type Context, EXIT, printJson, unwrap } from '../context.js';

export async function cancel(ctx: Context, id: string | undefined) {
  if (id === undefined) throw new CliError('usage: trainyard cancel <job-id>', EXIT.usage);
  const job = unwrap(await cancelJob({ client: ctx.client, path: { id } }));
  if (ctx.output.json) printJson(ctx.output, job);
  else ctx.output.out(`cancel requested for ${job.id} (${job.status})`);
  return EXIT.ok;
}
