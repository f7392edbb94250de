/**
 * The `trainyard` CLI, spawned as a user runs it (`npx trainyard`, i.e. bin/trainyard.mjs)
 * against the running service with an API key from the environment.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/artifacts/onnx/proto.js';
import { longJob, simpleNNJob } from '../helpers/jobs.js';
import { request, testConfig, useTestService, waitFor } from '../helpers/service.js';

const KEY = 'cli-test-key-0123456789abcdef';
const service = useTestService(testConfig({ API_KEYS: `acme:${KEY}` }));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = fileURLToPath(new URL('../../bin/trainyard.mjs', import.meta.url));

function trainyard(args: string[], { npx = false, cwd }: { npx?: boolean; cwd?: string } = {}): Promise<Run> {
  const [command, argv] = npx
    ? ['npx', ['--no-install', 'trainyard', ...args]]
    : [process.execPath, [BIN, ...args]];
  const child = spawn(command, argv, {
    cwd,
    env: { ...process.env, TRAINYARD_URL: service.url, TRAINYARD_API_KEY: KEY },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function waitForStatus(id: string, status: string) {
  return waitFor(async () => {
    const { body } = await request(`${service.url}/v1/jobs/${id}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    return body.status === status ? body : undefined;
  });
}

function writeJob(name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job));
  return path;
}

describe('trainyard CLI', () => {
  it('submit --follow shows a progress bar and the loss per epoch, then exits 0', async () => {
    const file = writeJob('job.json', simpleNNJob({ epochs: 8, name: 'cli-job' }));
    const run = await trainyard(['submit', file, '--follow'], { npx: true });
    expect(run.stderr.replace(/npm warn.*\n/g, '')).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^submitted job_\w+ \(cli-job\)$/m);
    expect(run.stdout).toMatch(/^epoch 1\/8 \[#+\.+\] {2}loss \d/m);
    expect(run.stdout).toMatch(/^epoch 8\/8 \[#{24}\] {2}loss \d/m);
    expect(run.stdout).toMatch(/job job_\w+ succeeded\n$/);

    const id = /submitted (job_\w+)/.exec(run.stdout)![1];
    const list = await trainyard(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).data.map((j: { id: string }) => j.id)).toContain(id);
    const status = await trainyard(['status', id]);
    expect(status.stdout).toContain(`${id}  succeeded  (cli-job)`);
    const logs = await trainyard(['logs', id]);
    expect(logs.stdout.trim().split('\n')).toHaveLength(8);
    const out = join(dir, 'model.safetensors');
    const download = await trainyard(['download', id, '-o', out]);
    expect(download.code).toBe(0);
    const bytes = readFileSync(out);
    expect(JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString())).toHaveProperty(
      '0.weight',
    );
    // --format onnx writes <id>.onnx in the working directory unless -o says otherwise.
    const onnx = await trainyard(['download', id, '--format', 'onnx', '--json'], { cwd: dir });
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(JSON.parse(onnx.stdout)).toMatchObject({ job_id: id, file: `${id}.onnx`, format: 'onnx' });
    const model = decodeModel(readFileSync(join(dir, `${id}.onnx`))) as {
      graph: { input: { name: string }[] };
    };
    expect(model.graph.input[0].name).toBe('input');
    const bad = await trainyard(['download', id, '--format', 'pt']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be safetensors, json or onnx');
  });

  it('--json --follow prints one JSON event per line; a failed job exits non-zero', async () => {
    const diverging = {
      ...simpleNNJob({ epochs: 30 }),
      loss: { type: 'MSELoss' },
      optimizer: { type: 'SGD', lr: 1e30 },
      data: {
        x: [
          [1000, 1000],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        y: [[1e6], [1], [1], [0]],
      },
      model: { layers: [{ type: 'Linear', in_features: 2, out_features: 1 }] },
      scheduler: undefined,
    };
    const run = await trainyard(['submit', writeJob('bad.json', diverging), '--follow', '--json']);
    expect(run.code).toBe(1);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].type).toBe('job');
    expect(lines.some((e) => e.type === 'done' && e.data.status === 'failed')).toBe(true);
    expect(lines.at(-1).data.error.code).toBe('diverged');
  });

  it('reports validation errors with their paths (exit 1) and bad usage (exit 2)', async () => {
    const invalid = { ...simpleNNJob({ epochs: 1 }), optimizer: { type: 'Adam', lr: -1 } };
    const run = await trainyard(['submit', writeJob('invalid.json', invalid)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('optimizer.lr: Invalid learning rate: -1');
    expect((await trainyard(['frobnicate'])).code).toBe(2);
  });

  it('cancel stops a running job', async () => {
    const submitted = await trainyard(['submit', writeJob('long.json', longJob()), '--json']);
    const { id } = JSON.parse(submitted.stdout);
    await waitForStatus(id, 'running');
    const cancel = await trainyard(['cancel', id]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`cancel requested for ${id}`);
    await waitForStatus(id, 'cancelled');
    expect((await trainyard(['status', id])).code).toBe(1);
  });

  it('upload sends a CSV file, or IDX images and labels back to back, and prints the dataset', async () => {
    // IDX as the MNIST page defines it: magic 0x0000080<rank>, big-endian dims, then uint8 values.
    const idx = (dims: number[], values: number[]) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header.writeUInt32BE(0x800 + dims.length, 0);
      for (const [i, d] of dims.entries()) header.writeUInt32BE(d, 4 + 4 * i);
      return Buffer.concat([header, Buffer.from(values)]);
    };
    const images = Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 37) % 256);
    writeFileSync(join(dir, 'images-idx3-ubyte'), idx([3, 4, 5], images));
    writeFileSync(join(dir, 'labels-idx1-ubyte'), idx([3], [2, 0, 1]));
    const run = await trainyard([
      'upload',
      join(dir, 'images-idx3-ubyte'),
      join(dir, 'labels-idx1-ubyte'),
      '--name',
      'tiny-images',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const uploaded = JSON.parse(run.stdout);
    const { body } = await request(`${service.url}/v1/datasets/${uploaded.id}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(body).toMatchObject({
      name: 'tiny-images',
      rows: 3,
      sample_shape: [1, 4, 5],
      x: { dtype: 'uint8' },
    });
    expect(body.target).toMatchObject({ kind: 'class' });

    writeFileSync(join(dir, 'rows.csv'), 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n');
    const csv = await trainyard(['upload', join(dir, 'rows.csv'), '--target', 'label']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toMatch(/^ds_\w+: 3 samples of shape \[2\]$/m);

    // Two files are needed for arrays; a body the API refuses exits 1 with its field path.
    const one = await trainyard(['upload', join(dir, 'images-idx3-ubyte')]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('an array upload is two files, x then y');
    writeFileSync(join(dir, 'short-labels'), idx([2], [0, 1]));
    const bad = await trainyard(['upload', join(dir, 'images-idx3-ubyte'), join(dir, 'short-labels')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP 400/);
    expect(bad.stderr).toMatch(/^ {2}y: /m);
  });
});
