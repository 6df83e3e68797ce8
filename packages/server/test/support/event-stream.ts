import { expect } from 'vitest';
import type { ApiClient } from './server-harness.js';

/** One server-sent event: its type (`status`, `progress`, `items`, `end`...) and its JSON data. */
export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads a server-sent event stream of the API (as `api`'s session) until `stop` says so or the stream ends; expects
 * 200 and an event-stream content type.
 */
export async function readEventStream(api: ApiClient, path: string, stop: (events: StreamEvent[]) => boolean, signal?: AbortSignal): Promise<StreamEvent[]> {
  const response = await fetch(new URL(path, api.baseUrl), { headers: { cookie: api.cookie ?? '', accept: 'text/event-stream' }, ...(signal ? { signal } : {}) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: StreamEvent[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
      }
      if (stop(events)) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return events;
}
