/**
 * The `trainyard` command line, built on the generated SDK (openapi/sdk):
 * submit, list, status, cancel, logs, download, upload. Settings come from TRAINYARD_URL and
 * TRAINYARD_API_KEY (src/config.ts) or `--url` / `--api-key`.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadCliConfig } from '../config.js';
import { cancel } from './commands/cancel.js';
import { download } from './commands/download.js';
import { list } from './commands/list.js';
import { logs } from './commands/logs.js';
import { status } from './commands/status.js';
import { submit } from './commands/submit.js';
import { upload } from './commands/upload.js';
import { CliError, createContext, EXIT } from './context.js';

const USAGE = `usage: trainyard <command> [options]

commands:
  submit <job.json|->   submit a job (--follow: show progress until it ends)
  list                  jobs, newest first (--status <s>, --limit <n>)
  status <id>           one job
  cancel <id>           cancel a queued or running job
  logs <id>             per-epoch metrics (--follow: live events until the job ends)
  download <id>         trained weights or model (-o <file>, --format safetensors|json|onnx)
  upload <file> [<y>]   a dataset: a .csv (--target <column>) or .json file, or x and y as
                        .npy or IDX files, gzipped or not (--name <n>; prints its id)

options:
  --url <url>           API base URL (default $TRAINYARD_URL or http://localhost:3000)
  --api-key <key>       API key (default $TRAINYARD_API_KEY)
  --json                machine-readable output (NDJSON events with --follow)
  -h, --help            this help

exit codes: 0 ok; 1 the job failed or was cancelled, or the API refused; 2 bad usage`;

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const [command, arg] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  try {
    const ctx = createContext(loadCliConfig(process.env), {
      url: values.url,
      apiKey: values['api-key'],
      json: values.json ?? false,
    });
    switch (command) {
      case 'submit':
        return await submit(ctx, arg, { follow: values.follow ?? false });
      case 'list':
        return await list(ctx, { status: values.status, limit: values.limit });
      case 'status':
        return await status(ctx, arg);
      case 'cancel':
        return await cancel(ctx, arg);
      case 'logs':
        return await logs(ctx, arg, { follow: values.follow ?? false });
      case 'download':
        return await download(ctx, arg, { output: values.output, format: values.format });
      case 'upload':
        return await upload(ctx, positionals.slice(1), { name: values.name, target: values.target });
      default:
        throw new CliError(`unknown command "${command}"\n\n${USAGE}`, EXIT.usage);
    }
  } catch (err) {
    if (err instanceof CliError || err instanceof ConfigError) {
      process.stderr.write(`trainyard: ${err.message}\n`);
      if (err instanceof CliError) for (const line of err.details) process.stderr.write(`  ${line}\n`);
      return err instanceof CliError ? err.exitCode : EXIT.usage;
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    process.stderr.write(`trainyard: ${(err as Error).message}${cause?.code ? ` (${cause.code})` : ''}\n`);
    return EXIT.failed;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean' },
      follow: { type: 'boolean', short: 'f' },
      status: { type: 'string' },
      limit: { type: 'string' },
      output: { type: 'string', short: 'o' },
      format: { type: 'string' },
      name: { type: 'string' },
      target: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
