/**
 * Following a job: a progress bar over epochs (steps within the epoch when the server sends
 * `progress` events) with the latest loss, redrawn in place on a terminal and one line per epoch
 * otherwise; or, with `--json`, one JSON event per line.
 */
import { type FollowedEvent, followJobEvents } from '../../openapi/follow.js';
import { getJob } from '../../openapi/sdk/sdk.gen.js';
import type { Job } from '../../openapi/sdk/types.gen.js';
import { type Context, EXIT, unwrap } from './context.js';

const BAR_WIDTH = 24;

export function bar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const num = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(5)).toString() : '-');

export function epochLine(data: Record<string, unknown>): string {
  const epoch = Number(data.epoch);
  const epochs = Number(data.epochs);
  const extras = ['val_loss', 'accuracy', 'val_accuracy']
    .filter((k) => typeof data[k] === 'number')
    .map((k) => `${k} ${num(data[k])}`);
  return [`epoch ${epoch}/${epochs} ${bar(epoch / epochs)}`, `loss ${num(data.loss)}`, ...extras].join('  ');
}

/** Follows a job to its end; returns the exit code (0 only when it succeeded). */
export async function follow(ctx: Context, id: string): Promise<number> {
  const { output } = ctx;
  let epochs = 0;
  let epoch = 0;
  let redraw = false;
  const draw = (line: string) => {
    if (output.tty) {
      process.stdout.write(`\r\x1b[2K${line}`);
      redraw = true;
    } else output.out(line);
  };
  const endLine = () => {
    if (redraw) process.stdout.write('\n');
    redraw = false;
  };
  for await (const event of followJobEvents(id, { client: ctx.client })) {
    if (output.json) {
      output.out(JSON.stringify(event));
      continue;
    }
    const e = event as FollowedEvent & { data: Record<string, unknown> };
    switch (e.type) {
      case 'status':
        endLine();
        output.out(`status ${e.data.status}`);
        break;
      case 'epoch':
        epoch = Number(e.data.epoch);
        epochs = Number(e.data.epochs);
        draw(epochLine(e.data));
        break;
      case 'progress':
        // Within-epoch steps: only worth a redraw on a terminal.
        if (output.tty && epochs > 0) {
          draw(
            `epoch ${epoch + 1}/${epochs} ${bar(epoch / epochs)}  step ${e.data.step}/${e.data.steps} ${bar(Number(e.data.step) / Number(e.data.steps), 10)}  loss ${num(e.data.loss)}`,
          );
        }
        break;
      case 'done':
        endLine();
        break;
    }
  }
  const job: Job = unwrap(await getJob({ client: ctx.client, path: { id } }));
  if (output.json) output.out(JSON.stringify({ type: 'job', data: job }));
  else {
    const error = job.error ? `: ${job.error.code}: ${job.error.message}` : '';
    output.out(`job ${job.id} ${job.status}${error}`);
  }
  return job.status === 'succeeded' ? EXIT.ok : EXIT.failed;
}
