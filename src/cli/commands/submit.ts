/** `trainyard submit job.json [--follow]`: submits a job spec from a file (or `-` for stdin). */
import { readFileSync } from 'node:fs';
import { createJob } from '../../../openapi/sdk/sdk.gen.js';
import type { JobCreate } from '../../../openapi/sdk/types.gen.js';
import { CliError, type Context, EXIT, printJson, unwrap } from '../context.js';
import { follow } from '../progress.js';

export async function submit(ctx: Context, file: string | undefined, options: { follow: boolean }) {
  if (file === undefined) throw new CliError('usage: trainyard submit <job.json | -> [--follow]', EXIT.usage);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.usage);
  }
  let body: JobCreate;
  try {
    body = JSON.parse(text) as JobCreate;
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`, EXIT.usage);
  }
  const job = unwrap(await createJob({ client: ctx.client, body }));
  if (ctx.output.json) {
    if (!options.follow) printJson(ctx.output, job);
    else ctx.output.out(JSON.stringify({ type: 'job', data: job }));
  } else ctx.output.out(`submitted ${job.id}${job.name ? ` (${job.name})` : ''}`);
  return options.follow ? follow(ctx, job.id) : EXIT.ok;
}
