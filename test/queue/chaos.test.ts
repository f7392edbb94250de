/**
 * The small chaos run (scripts/lib/chaos.ts): jobs train on worker processes that keep being
 * SIGKILLed or stopped while Redis restarts; every job must end with a calm run's weights and
 * every epoch once. `npm run chaos` is the long version.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../../scripts/lib/chaos.js';

describe('chaos', () => {
  it('kills and restarts cost nothing: every job matches its calm run', async () => {
    const report = await runChaos({
      jobs: 3,
      workers: 2,
      killEveryMs: 2500,
      sigtermShare: 0.3,
      restartEveryMs: 3000,
      redisDownMs: 500,
      epochs: 1500,
      seed: 3,
      timeoutMs: 240_000, // about 70-125 s alone on 2 cores; kills go on as long as jobs train
    });
    console.log(formatReport(report));
    expect(report.problems).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.kills + report.sigterms).toBeGreaterThan(0);
    expect(report.redisRestarts).toBeGreaterThan(0);
  }, 300_000);

  // Issue 18: the reported shape (256-wide layers, Dropout, StepLR, batches of 4) after SIGKILLs.
  it("a wide model with dropout and many small batches resumes to the calm run's weights", async () => {
    const report = await runChaos({
      jobs: 1,
      workers: 2,
      killEveryMs: 3000,
      maxKills: 3,
      sigtermShare: 0,
      restartEveryMs: 0,
      redisDownMs: 0,
      epochs: 16,
      seed: 18,
      shape: 'wide',
      timeoutMs: 240_000, // about 70-125 s alone on 2 cores; kills go on as long as jobs train
    });
    console.log(formatReport(report));
    expect(report.problems).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.kills).toBeGreaterThan(0);
  }, 300_000);
});
