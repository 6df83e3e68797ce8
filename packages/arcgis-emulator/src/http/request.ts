import { type IncomingMessage } from 'node:http';

/** A file part of a multipart request (ArcGIS takes uploads as multipart/form-data). */
export interface UploadedFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

/**
 * One parsed request. ArcGIS reads its parameters from the query string and from the body
 * (application/x-www-form-urlencoded or multipart/form-data) alike, the body winning.
 */
export interface EmuRequest {
  method: string;
  /** The path without the query string, percent-decoded per segment by the router. */
  path: string;
  url: URL;
  params: Record<string, string>;
  files: Record<string, UploadedFile>;
  headers: IncomingMessage['headers'];
  raw: IncomingMessage;
  /** Token from the `token` parameter, `X-Esri-Authorization: Bearer` or `Authorization: Bearer`. */
  token: string | undefined;
  remoteAddress: string;
}

const MAX_BODY_BYTES = 1024 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export async function parseRequest(raw: IncomingMessage, baseUrl: string): Promise<EmuRequest> {
  const url = new URL(raw.url ?? '/', baseUrl);
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const files: Record<string, UploadedFile> = {};
  const method = (raw.method ?? 'GET').toUpperCase();

  if (method !== 'GET' && method !== 'HEAD') {
    const body = await readBody(raw);
    const type = String(raw.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': String(raw.headers['content-type']) } }).formData();
      for (const [key, value] of form.entries()) {
        if (typeof value === 'string') {
          params[key] = value;
        } else {
          const file = value as File;
          files[key] = {
            field: key,
            filename: file.name || key,
            contentType: file.type || 'application/octet-stream',
            data: Buffer.from(await file.arrayBuffer())
          };
        }
      }
    } else if (body.length > 0 && (type === '' || type.startsWith('application/x-www-form-urlencoded') || type.startsWith('text/plain'))) {
      for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
    }
  }

  return {
    method,
    path: url.pathname,
    url,
    params,
    files,
    headers: raw.headers,
    raw,
    token: readToken(raw, params),
    remoteAddress: raw.socket.remoteAddress ?? ''
  };
}

function readToken(raw: IncomingMessage, params: Record<string, string>): string | undefined {
  if (params.token) return params.token;
  for (const header of ['x-esri-authorization', 'authorization']) {
    const value = raw.headers[header];
    if (typeof value === 'string') {
      const match = /^Bearer\s+(.+)$/i.exec(value.trim());
      if (match?.[1]) return match[1];
    }
  }
  return undefined;
}

/** Reads a boolean parameter the way ArcGIS does (`true`/`false`, case-insensitive). */
export function boolParam(params: Record<string, string>, name: string, fallback = false): boolean {
  const value = params[name];
  if (value === undefined || value === '') return fallback;
  return value.toLowerCase() === 'true';
}

/** Reads an integer parameter; returns `fallback` when absent or not a number. */
export function intParam(params: Record<string, string>, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/** ArcGIS's `start` (1-based, default 1) and `num` (default 10, a negative one too, at most `maxNum`) paging parameters. */
export function startAndNum(params: Record<string, string>, maxNum: number): { start: number; num: number } {
  const start = Math.max(1, intParam(params, 'start', 1));
  const num = intParam(params, 'num', 10);
  return { start, num: num < 0 ? 10 : Math.min(num, maxNum) };
}

/** Parses a JSON parameter; `undefined` when absent; throws SyntaxError when malformed. */
export function jsonParam<T = unknown>(params: Record<string, string>, name: string): T | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  return JSON.parse(value) as T;
}

/** A list parameter: a JSON array or a comma-separated string. */
export function listParam(params: Record<string, string>, name: string): string[] {
  const value = params[name];
  if (value === undefined || value.trim() === '') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown;
      if (Array.isArray(parsed)) return parsed.map((v) => String(v)).filter((v) => v !== '');
    } catch {
      // fall through to comma splitting, as ArcGIS is lenient here
    }
  }
  return trimmed.split(',').map((v) => v.trim()).filter((v) => v !== '');
}
