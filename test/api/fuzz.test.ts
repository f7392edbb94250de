/**
 * Property-based fuzzing of the running service (API + a real training worker): thousands of
 * generated and mutated job specs, dataset uploads, paths and headers. Every response is a 2xx
 * or a 4xx problem+json, never a 5xx, and the worker keeps training afterwards. Fixed seed here;
 * `npm run fuzz` runs longer with a random seed.
 */
import { describe, expect, it } from 'vitest';
import { baseJob, FUZZ_ENV, FUZZ_KEYS, fuzzApi } from '../helpers/fuzz.js';
import { request, testConfig, useTestService, waitFor } from '../helpers/service.js';

const config = testConfig(FUZZ_ENV);
const service = useTestService(config);

describe('fuzzing the API', () => {
  it('answers every generated request with a 2xx or a 4xx problem, and the worker stays up', async () => {
    const outcome = await fuzzApi({ baseUrl: service.url, keys: FUZZ_KEYS, seed: 20240601, numRuns: 2000 });
    console.log(`fuzz: ${outcome.requests} requests, statuses ${JSON.stringify(outcome.statuses)}`);
    expect(outcome.requests).toBe(2000);
    expect(Object.keys(outcome.statuses).every((s) => Number(s) < 500)).toBe(true);
    expect(outcome.statuses[201]).toBeGreaterThan(10); // valid jobs were in the mix, not only rejects

    const headers = { authorization: `Bearer ${FUZZ_KEYS[0]}` };
    expect((await request(`${service.url}/ready`)).status).toBe(200);
    // Free a slot (the fuzz may have filled tenant a's active-job limit), then train a job to the end.
    const queued = await request(`${service.url}/v1/jobs?status=queued&limit=100`, { headers });
    for (const job of queued.body.data)
      await request(`${service.url}/v1/jobs/${job.id}/cancel`, { method: 'POST', headers });
    const res = await request(`${service.url}/v1/jobs`, { body: baseJob(), headers });
    expect(res.status).toBe(201);
    const done = await waitFor(async () => {
      const job = await request(`${service.url}/v1/jobs/${res.body.id}`, { headers });
      return ['succeeded', 'failed'].includes(job.body.status) ? job.body : undefined;
    }, 30_000);
    expect(done.status).toBe('succeeded');
  }, 120_000);
});
