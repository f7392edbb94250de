import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { mismatch } from '../../src/conformance/compare.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const expectedFields: Record<string, string[]> = {
  losses: ['output', 'grad_input', 'grad_var'],
  optimizers: ['expected'],
  schedulers: ['lrs', 'momentums'],
  clip: ['clipped', 'total_norm'],
  training: ['step_losses', 'epoch_lrs', 'final_state_dict'],
};

describe('npm run conformance on files stripped of their expected values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-conformance-'));
  it.each(Object.keys(expectedFields))(
    '%s.json',
    async (kind) => {
      const original = JSON.parse(
        readFileSync(new URL(`../../../shared/conformance/${kind}.json`, import.meta.url), 'utf8'),
      );
      const stripped = structuredClone(original);
      for (const c of stripped.cases) for (const field of expectedFields[kind]) delete c[field];
      const path = join(dir, `${kind}.json`);
      writeFileSync(path, JSON.stringify(stripped));

      const { stdout } = await run('npx', ['tsx', 'scripts/conformance.ts', path], {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      });
      const computed = JSON.parse(stdout) as { cases: Record<string, unknown>[] };
      expect(computed.cases).toHaveLength(original.cases.length);
      computed.cases.forEach((got, i) => {
        const want = original.cases[i];
        expect(got.name).toBe(want.name);
        expect(got.error).toBeUndefined();
        const expected = Object.fromEntries(
          expectedFields[kind].filter((f) => f in want).map((f) => [f, want[f]]),
        );
        const actual = Object.fromEntries(Object.keys(expected).map((f) => [f, got[f]]));
        expect(mismatch(actual, expected, original.tolerance), `${want.name}`).toBeNull();
        // No extra computed fields beyond what the file format names.
        expect(
          Object.keys(got)
            .filter((k) => k !== 'name')
            .sort(),
        ).toEqual(Object.keys(expected).sort());
      });
    },
    60_000,
  );

  it('reports a case it cannot compute and goes on', async () => {
    const path = join(dir, 'broken.json');
    writeFileSync(
      path,
      JSON.stringify({
        cases: [
          { name: 'bad', loss: { type: 'NoSuchLoss' }, input: [1], target: [1] },
          { name: 'good', loss: { type: 'MSELoss' }, input: [1, 2], target: [1, 4] },
        ],
      }),
    );
    const { stdout } = await run('npx', ['tsx', 'scripts/conformance.ts', path], { cwd: root });
    const { cases } = JSON.parse(stdout);
    expect(cases[0].name).toBe('bad');
    expect(cases[0].error).toMatch(/NoSuchLoss/);
    expect(cases[1].output).toBeCloseTo(2, 6);
  }, 60_000);
});
