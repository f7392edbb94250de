/**
 * `npm run chaos [-- --jobs 12 --workers 3 --kill-every 2500 --restart-every 5000 --shape mixed ...]`:
 * trains a batch of jobs (of `--shape`: mixed, wide, issue18, cnn, lstm or kill9) while killing worker processes and restarting Redis, then checks every job
 * against a calm run (see scripts/lib/chaos.ts). Prints one summary line; exits 1 on mismatches.
 */
import { parseArgs } from 'node:util';
import { CHAOS_SHAPES, type ChaosShape, formatReport, runChaos } from './lib/chaos.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '12' },
    workers: { type: 'string', default: '3' },
    'kill-every': { type: 'string', default: '2500' },
    'max-kills': { type: 'string' },
    'kill-each-at': { type: 'string' },
    shape: { type: 'string', default: 'mixed' },
    'sigterm-share': { type: 'string', default: '0.25' },
    'restart-every': { type: 'string', default: '5000' },
    'redis-down': { type: 'string', default: '700' },
    epochs: { type: 'string', default: '400' },
    seed: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '600000' },
    twins: { type: 'boolean', default: false },
    'worker-defaults': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const number = (name: keyof typeof values): number => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name}: expected a non-negative number, got ${values[name]}\n`);
    process.exit(2);
  }
  return value;
};

const shape = values.shape as ChaosShape;
if (!CHAOS_SHAPES.includes(shape)) {
  process.stderr.write(`--shape: expected one of ${CHAOS_SHAPES.join(', ')}, got ${values.shape}\n`);
  process.exit(2);
}

const report = await runChaos({
  shape,
  ...(values['max-kills'] === undefined ? {} : { maxKills: number('max-kills') }),
  ...(values['kill-each-at'] === undefined ? {} : { killEachJobAt: number('kill-each-at') }),
  twins: values.twins,
  workerDefaults: values['worker-defaults'],
  jobs: number('jobs'),
  workers: Math.max(1, number('workers')),
  killEveryMs: number('kill-every'),
  sigtermShare: number('sigterm-share'),
  restartEveryMs: number('restart-every'),
  redisDownMs: number('redis-down'),
  epochs: Math.max(1, number('epochs')),
  seed: number('seed'),
  timeoutMs: number('timeout'),
  log: values.quiet ? undefined : (line) => process.stderr.write(`chaos: ${line}\n`),
});
for (const problem of report.problems) process.stderr.write(`chaos: PROBLEM ${problem}\n`);
process.stdout.write(`${formatReport(report)}\n`);
process.exit(report.mismatches === 0 && report.problems.length === 0 ? 0 : 1);
