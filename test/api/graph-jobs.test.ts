/**
 * A model graph end to end through the API (real Redis, real worker thread): a residual CNN
 * (ResNet basic block: conv-bn-relu-conv-bn in a Sequential plus the identity, ReLU,
 * AdaptiveAvgPool2d, Flatten, Linear) is submitted, trains, predicts; its safetensors download
 * loads with strict load_state_dict into the equivalent torch.nn.Module written below, which
 * predicts the same; its ONNX download runs in ONNX Runtime and predicts the same; a bad graph is
 * a 400 naming the node.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { expectOnnxChecks, hasOnnxChecker } from '../helpers/onnx-checker.js';
import { request, useTestService } from '../helpers/service.js';
import { hasTorch, maxAbsDiff, servicePredict, trainedThroughApi } from '../helpers/torch-predict.js';

const conv = (i: number, o: number) => ({
  type: 'Conv2d',
  in_channels: i,
  out_channels: o,
  kernel_size: 3,
  padding: 1,
  bias: false,
});
const bn = (c: number) => ({ type: 'BatchNorm2d', num_features: c });
const MODEL = {
  inputs: ['x'],
  nodes: [
    { name: 'conv1', layer: conv(2, 4), input: 'x' },
    { name: 'bn1', layer: bn(4), input: 'conv1' },
    { name: 'relu1', layer: { type: 'ReLU' }, input: 'bn1' },
    {
      name: 'block',
      layer: { type: 'Sequential', layers: [conv(4, 4), bn(4), { type: 'ReLU' }, conv(4, 4), bn(4)] },
      input: 'relu1',
    },
    { name: 'sum', op: 'add', inputs: ['block', 'relu1'] },
    { name: 'relu2', layer: { type: 'ReLU' }, input: 'sum' },
    { name: 'pool', layer: { type: 'AdaptiveAvgPool2d', output_size: 1 }, input: 'relu2' },
    { name: 'flatten', layer: { type: 'Flatten' }, input: 'pool' },
    { name: 'fc', layer: { type: 'Linear', in_features: 4, out_features: 3 }, input: 'flatten' },
  ],
  output: 'fc',
};
/** The same network as a PyTorch user writes it; the test loads the downloaded weights into it. */
const TORCH_MODULE = `
import json, sys, torch
sys.path.insert(0, sys.argv[3])
from torch_predict import read_safetensors
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu1 = nn.ReLU()
        self.block = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                                   nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4))
        self.relu2 = nn.ReLU()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(x)))
        return self.fc(self.flatten(self.pool(self.relu2(self.block(y) + y))))

tensors, _ = read_safetensors(sys.argv[1])
net = Net()
net.load_state_dict(tensors, strict=True)
net.eval()
with torch.no_grad():
    x = torch.tensor(json.load(open(sys.argv[2]))["x"], dtype=torch.float32)
    print(json.dumps({"outputs": net(x).tolist(), "keys": list(net.state_dict().keys())}))
`;

function torchModulePredict(file: Buffer, x: unknown[]): { outputs: number[][]; keys: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-graph-'));
  try {
    writeFileSync(join(dir, 'model.safetensors'), file);
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ x }));
    const scripts = fileURLToPath(new URL('../artifacts/', import.meta.url));
    const py = spawnSync(
      '/usr/bin/python3',
      ['-c', TORCH_MODULE, join(dir, 'model.safetensors'), join(dir, 'x.json'), scripts],
      { encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    return JSON.parse(py.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const image = (n: number) =>
  Array.from({ length: 2 }, (_, c) =>
    Array.from({ length: 5 }, (_, h) =>
      Array.from({ length: 5 }, (_, w) => Math.sin(n * 1.3 + c * 0.7 + h * 0.4 - w * 0.9)),
    ),
  );
const x = Array.from({ length: 18 }, (_, n) => image(n));
const y = x.map((_, n) => n % 3);
const body = {
  model: MODEL,
  loss: { type: 'CrossEntropyLoss' },
  optimizer: { type: 'Adam', lr: 0.01 },
  data: { x, y },
  training: { epochs: 3, batch_size: 6, seed: 3 },
};

describe('model graph jobs', () => {
  const service = useTestService();

  it('refuses a bad graph with a 400 naming the node', async () => {
    const bad = structuredClone(body);
    (bad.model.nodes[4] as { inputs: string[] }).inputs[1] = 'conv9';
    const res = await request(`${service.url}/v1/jobs`, { body: bad });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('model.nodes[4].inputs[1]');
  });

  it.skipIf(!hasTorch)(
    'trains a residual CNN; PyTorch and ONNX Runtime predict what the service predicts',
    async () => {
      const { id, model } = await trainedThroughApi(service.url, body);
      const probe = x.slice(0, 5);
      const ours = await servicePredict(service.url, id, probe);
      const torch = torchModulePredict(model, probe);
      expect(torch.keys).toContain('block.4.running_var');
      const torchDiff = maxAbsDiff(torch.outputs, ours.outputs);
      expect(torchDiff).toBeLessThan(1e-5);

      const onnx = Buffer.from(
        await (await fetch(`${service.url}/v1/jobs/${id}/model?format=onnx`)).arrayBuffer(),
      );
      if (hasOnnxChecker) {
        const dir = mkdtempSync(join(tmpdir(), 'trainyard-graph-onnx-'));
        writeFileSync(join(dir, 'model.onnx'), onnx);
        expect(expectOnnxChecks(join(dir, 'model.onnx')).opset).toBe(17);
        rmSync(dir, { recursive: true, force: true });
      }
      const session = await InferenceSession.create(onnx);
      const flat = Float32Array.from(probe.flat(3) as number[]);
      const { output } = await session.run({ input: new Tensor('float32', flat, [5, 2, 5, 5]) });
      const rows = Array.from({ length: 5 }, (_, i) =>
        Array.from(output.data as Float32Array).slice(i * 3, i * 3 + 3),
      );
      const onnxDiff = maxAbsDiff(rows, ours.outputs);
      expect(onnxDiff).toBeLessThan(1e-5);
      console.log(`graph round trip: PyTorch ${torchDiff}, ONNX Runtime ${onnxDiff}`);
    },
    120_000,
  );
});
