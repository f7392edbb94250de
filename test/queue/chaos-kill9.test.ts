/**
 * kill -9 resume with real processes (scripts/lib/chaos.ts, shape `kill9`): issue 18's reported job
 * (1,000 samples, 16 features, 4 classes, 256-wide layers with Dropout, Adam, StepLR(10, 0.7),
 * batches of 4, seed 11; 20 epochs here, 60 in `npm run chaos -- --shape issue18`), a CNN
 * (Unflatten-Conv2d-BatchNorm2d-ReLU-MaxPool2d-Flatten-Linear) and an LSTM over token ids
 * (Embedding-LSTM-Select-Linear). The worker process group running each job is SIGKILLed once
 * mid-training, a new worker resumes it, and every job must end with its calm run's weights,
 * bitwise, and every epoch once.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../../scripts/lib/chaos.js';

describe('kill -9 resume', () => {
  it("the reported job, a CNN and an LSTM, each SIGKILLed mid-training, end with the calm run's weights", async () => {
    const report = await runChaos({
      jobs: 3,
      workers: 2,
      killEveryMs: 1_000_000,
      maxKills: 0,
      killEachJobAt: 0.3,
      sigtermShare: 0,
      restartEveryMs: 0,
      redisDownMs: 0,
      epochs: 20,
      seed: 9,
      shape: 'kill9',
      timeoutMs: 120_000,
    });
    console.log(formatReport(report));
    expect(report.problems).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.kills).toBe(3);
    // Each job was taken over by a new attempt after a committed epoch, not restarted from scratch.
    for (const resumed of report.resumedAfter) expect(resumed.length).toBeGreaterThan(0);
  }, 150_000);
});
