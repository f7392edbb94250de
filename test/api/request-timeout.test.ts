/**
 * Issue 18, item 5: a client that sends its body slowly (or stops half-way) gets 408 and its
 * socket closed after REQUEST_TIMEOUT_MS, instead of holding the connection for minutes.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { testConfig, useTestService } from '../helpers/service.js';

const service = useTestService(testConfig({ REQUEST_TIMEOUT_MS: '1000' }), { worker: false });

/** Sends the headers and part of a body, then nothing; resolves with what came back and when. */
function stalledUpload(url: string): Promise<{ response: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(
        'POST /v1/jobs HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":',
      );
    });
    let response = '';
    socket.on('data', (chunk) => {
      response += chunk.toString();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, closedAfterMs: performance.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the stalled connection open for 10 s'));
    }, 10_000).unref();
  });
}

describe('request timeout', () => {
  it('answers a stalled body with 408 and closes the socket', async () => {
    const { response, closedAfterMs } = await stalledUpload(service.url);
    expect(response).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('leaves quick requests alone', async () => {
    const res = await fetch(`${service.url}/health`);
    expect(res.status).toBe(200);
  });
});
