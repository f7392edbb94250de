/** A small server-sent-events client over fetch, for tests. */

export interface SseEvent {
  id?: string;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: event JSON, asserted by each test
  data: any;
}

export interface SseResult {
  events: SseEvent[];
  comments: string[];
  status: number;
  contentType: string | null;
  /** True when the server closed the stream (rather than us stopping early). */
  closedByServer: boolean;
}

/**
 * Reads `url` until the server closes the stream, `stopAfter` events have arrived, or the
 * timeout passes.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; stopAfter?: number; timeoutMs?: number } = {},
): Promise<SseResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...options.headers },
    signal: controller.signal,
  });
  const result: SseResult = {
    events: [],
    comments: [],
    status: res.status,
    contentType: res.headers.get('content-type'),
    closedByServer: false,
  };
  if (res.body === null) return result;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        result.closedByServer = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      // Several events can arrive in one chunk: stop at exactly `stopAfter`.
      while (end >= 0 && (options.stopAfter === undefined || result.events.length < options.stopAfter)) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        parseBlock(block, result);
        end = buffer.indexOf('\n\n');
      }
      if (options.stopAfter !== undefined && result.events.length >= options.stopAfter) break;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return result;
}

function parseBlock(block: string, result: SseResult): void {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  let any = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      result.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') {
      data.push(value);
      any = true;
    }
  }
  if (any) result.events.push({ id, event, data: JSON.parse(data.join('\n')) });
}
