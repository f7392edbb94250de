/**
 * Issue 18, item 7: /metrics shows every tenant's job counts, so under AUTH_REQUIRED it must be
 * operator-only: `Authorization: Bearer <METRICS_TOKEN>`, never an API key or nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startTestApi, type TestApi, testConfig } from '../helpers/service.js';

const ALICE = 'alice-key-0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef';
let redis: TestRedis;
let guarded: TestApi;
let closed: TestApi;
let open: TestApi;

beforeAll(async () => {
  redis = await startTestRedis();
  guarded = await startTestApi(
    testConfig({ API_KEYS: `alice:${ALICE}`, AUTH_REQUIRED: 'true', METRICS_TOKEN: METRICS }),
    redis.url,
  );
  closed = await startTestApi(testConfig({ API_KEYS: `alice:${ALICE}`, AUTH_REQUIRED: 'true' }), redis.url);
  open = await startTestApi(testConfig(), redis.url);
});

afterAll(async () => {
  await guarded?.close();
  await closed?.close();
  await open?.close();
  await redis?.stop();
});

const scrape = (api: TestApi, authorization?: string) =>
  fetch(`${api.url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

describe('GET /metrics under AUTH_REQUIRED', () => {
  it('answers 401 without the metrics token, and to a tenant API key', async () => {
    const anonymous = await scrape(guarded);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('trainyard_jobs');
    expect((await scrape(guarded, `Bearer ${ALICE}`)).status).toBe(401);
    expect((await scrape(guarded, `Bearer ${METRICS}x`)).status).toBe(401);
  });

  it('serves the metrics to the bearer of METRICS_TOKEN', async () => {
    const res = await scrape(guarded, `Bearer ${METRICS}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('trainyard_jobs{status="queued"}');
  });

  it('is off when AUTH_REQUIRED is set and no METRICS_TOKEN is', async () => {
    expect((await scrape(closed)).status).toBe(404);
    expect((await scrape(closed, `Bearer ${ALICE}`)).status).toBe(404);
  });

  it('stays open on an open development service', async () => {
    expect((await scrape(open)).status).toBe(200);
  });
});
