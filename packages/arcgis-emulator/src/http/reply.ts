/** What a route handler returns. A plain object is sent as JSON (or HTML when `f` asks for it). */
export type Reply = JsonReply | RawReply | RedirectReply;

export interface JsonReply {
  kind: 'json';
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RawReply {
  kind: 'raw';
  status?: number;
  contentType: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}

export interface RedirectReply {
  kind: 'redirect';
  status?: 301 | 302 | 303 | 307;
  location: string;
  headers?: Record<string, string>;
}

export const reply = {
  json: (body: unknown, status = 200, headers?: Record<string, string>): JsonReply => ({ kind: 'json', body, status, headers }),
  raw: (body: Buffer | string, contentType: string, status = 200, headers?: Record<string, string>): RawReply => ({
    kind: 'raw',
    body,
    contentType,
    status,
    headers
  }),
  html: (body: string, status = 200, headers?: Record<string, string>): RawReply => ({
    kind: 'raw',
    body,
    contentType: 'text/html; charset=utf-8',
    status,
    headers
  }),
  redirect: (location: string, status: RedirectReply['status'] = 302): RedirectReply => ({ kind: 'redirect', location, status })
};

export function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (kind === 'json' || kind === 'raw' || kind === 'redirect') && ('body' in value || 'location' in value);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
