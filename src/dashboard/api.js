/**
 * The dashboard's API client: JSON calls and the job event stream, always with the user's key in
 * the Authorization header (never in a URL), read from localStorage.
 */

const KEY_STORAGE = 'trainyard.apiKey';

export function getKey() {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function setKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

function authHeaders(extra = {}) {
  const key = getKey();
  return key ? { authorization: `Bearer ${key}`, ...extra } : extra;
}

/** A non-2xx answer; `problem` is the application/problem+json body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method, body, signal } = {}) {
  const res = await fetch(path, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    signal,
    headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = { detail: text };
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Parses one SSE block (`id:`, `event:`, `data:` lines); comments give null. */
function parseBlock(block) {
  let id;
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? null : { id, event, data: JSON.parse(data.join('\n')) };
}

/**
 * Yields a job's events from the start (so a reloaded page replays the history), reconnecting
 * with `Last-Event-ID` when the connection drops, until `done` or `signal` aborts. A fetch-based
 * reader rather than EventSource, which cannot send the Authorization header.
 */
export async function* followEvents(jobId, { signal, onConnection } = {}) {
  let lastEventId = null;
  let backoff = 500;
  while (!signal?.aborted) {
    let res;
    try {
      res = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/events`, {
        signal,
        headers: authHeaders({
          accept: 'text/event-stream',
          ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
        }),
      });
    } catch {
      if (signal?.aborted) return;
      onConnection?.('reconnecting');
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 8000);
      continue;
    }
    if (!res.ok) {
      const problem = await res.json().catch(() => null);
      throw new ApiError(res.status, problem);
    }
    onConnection?.('live');
    backoff = 500;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replaceAll('\r\n', '\n');
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const event = parseBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (event === null) continue;
          if (event.id !== undefined) lastEventId = event.id;
          yield event;
          if (event.event === 'done') return;
        }
      }
    } catch {
      if (signal?.aborted) return;
    }
    // The server closed without `done` (restart, proxy timeout): resume after the last event.
    onConnection?.('reconnecting');
    await sleep(backoff, signal);
  }
}

/** Downloads a succeeded job's weights through fetch (so the key stays in a header). */
export async function downloadModel(jobId, format = 'safetensors') {
  const res = await fetch(`/v1/jobs/${encodeURIComponent(jobId)}/model?format=${format}`, {
    headers: authHeaders(),
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `${jobId}.${format}`; // the format names the file type: .safetensors, .json, .onnx
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
