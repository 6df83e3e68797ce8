/**
 * Downloading an item's byte parts (data files, resources, thumbnails, metadata) straight into the store, and deciding
 * what a failed part means for the item (skipped: the identity may not read it; failed: anything else).
 */
import { ArcGISFailure, toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { IwaUnavailableError } from '../arcgis/iwa-client.js';
import { CredentialsExpiredError } from '../arcgis/token-source.js';
import { type BlobRef, type PartProblem, isStoreError } from '../store/index.js';
import type { BackupContext } from './backup.types.js';

/** Bodies up to this size are read whole (and `put` picks the compression level from the content). */
const BUFFER_LIMIT = 1024 * 1024;
/** Content types that are already compressed: stored at level 0 (gzip costs CPU and saves nothing). */
const COMPRESSED_TYPES = /^(image\/(jpeg|png|gif|webp|avif)|video\/|audio\/|application\/(zip|x-zip-compressed|gzip|x-gzip|x-7z-compressed|x-rar|pdf|vnd\.google-earth\.kmz|x-sqlite3|geopackage\+sqlite3))/i;

export interface FetchedPart extends BlobRef {
  contentType: string;
  /** From Content-Disposition, when the server names the file. */
  filename?: string;
}

/**
 * GET `url` and store the body as a blob, streamed when large or of unknown length so memory does not grow with the
 * file. Null when ArcGIS answers an empty body (an item without data). ArcGIS answers some errors on file endpoints
 * with HTTP 200 and a JSON error body: those are thrown as ArcGISFailure. Runs through `session.call`, so it is
 * retried, throttled and re-authenticated like any other call (a retry stores the same content again: idempotent).
 */
export async function fetchPartToStore(ctx: BackupContext, url: string, label: string): Promise<FetchedPart | null> {
  const { session, store } = ctx;
  // A small body is only read inside the call and stored after it: hashing, compressing and writing it then does not
  // hold one of the session's request slots, which go on to the next request meanwhile.
  const fetched = await session.call(label, async (): Promise<FetchedPart | { bytes: Buffer; contentType: string; filename?: string } | null> => {
    const target = new URL(url);
    const token = session.auth ? await session.auth.getToken(url) : '';
    if (token) target.searchParams.set('token', token);
    const response = await fetch(target, { signal: ctx.signal });
    const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
    const filename = filenameFrom(response.headers.get('content-disposition'));
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let body: unknown = undefined;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: the HTTP status says it all
      }
      throw toArcGISFailure(body && typeof body === 'object' && 'error' in body ? { response: body, url } : { code: `HTTP ${response.status}`, message: `${response.status} ${response.statusText}`, response, url });
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const isJson = contentType.includes('json');
    if (isJson || (Number.isFinite(length) && length <= BUFFER_LIMIT) || !response.body) {
      const bytes = Buffer.from(await response.arrayBuffer());
      ctx.counters.bytesRead += bytes.length;
      if (bytes.length === 0) return null;
      if (isJson && bytes.length < 64 * 1024 && /^\s*\{\s*"error"\s*:/.test(bytes.subarray(0, 64).toString('utf8'))) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(bytes.toString('utf8'));
        } catch {
          parsed = undefined;
        }
        if (parsed && typeof parsed === 'object' && 'error' in parsed) throw toArcGISFailure({ response: parsed, url });
      }
      return { bytes, contentType, ...(filename ? { filename } : {}) };
    }
    const counting = async function* (body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) {
        ctx.counters.bytesRead += chunk.length;
        yield chunk;
      }
    };
    const put = await store.blobs.putStream(counting(response.body as unknown as AsyncIterable<Uint8Array>), COMPRESSED_TYPES.test(contentType) ? { level: 0 } : {});
    ctx.counters.newBytes += put.storedSize;
    if (put.size === 0) return null;
    return { hash: put.hash, size: put.size, contentType, ...(filename ? { filename } : {}) };
  });
  if (fetched === null || !('bytes' in fetched)) return fetched;
  const { bytes, ...described } = fetched;
  const put = await store.blobs.put(bytes);
  ctx.counters.newBytes += put.storedSize;
  return { hash: put.hash, size: put.size, ...described };
}

/** Store a JSON answer as a blob (compact JSON: the same answer always gives the same blob). */
export async function putJson(ctx: BackupContext, value: unknown): Promise<BlobRef> {
  const bytes = Buffer.from(JSON.stringify(value));
  const put = await ctx.store.blobs.put(bytes);
  ctx.counters.newBytes += put.storedSize;
  return { hash: put.hash, size: put.size };
}

/** Store bytes as a blob. */
export async function putBytes(ctx: BackupContext, bytes: Buffer): Promise<BlobRef> {
  const put = await ctx.store.blobs.put(bytes);
  ctx.counters.newBytes += put.storedSize;
  return { hash: put.hash, size: put.size };
}

/** `filename*=UTF-8''...` (RFC 5987) wins over `filename="..."`. Only the last path segment is kept. */
export function filenameFrom(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  let name: string | undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended?.[1]) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = undefined;
    }
  }
  name ??= /filename\s*=\s*"([^"]*)"/.exec(disposition)?.[1] ?? /filename\s*=\s*([^;]+)/.exec(disposition)?.[1]?.trim();
  const last = name?.split(/[\\/]/).pop();
  return last ? last : undefined;
}

/**
 * Errors that must stop the whole run rather than mark one item: cancellation, credentials the portal refuses, a
 * store that cannot be written (disk full, lock lost).
 */
export function isFatal(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  if (error instanceof CredentialsExpiredError || error instanceof IwaUnavailableError) return true;
  if (isStoreError(error)) return true;
  return (error as { name?: string })?.name === 'AbortError';
}

/**
 * What a failed part means: a part the identity may not read, or that vanished since it was listed, is skipped with
 * the reason; anything else fails the item. Fatal errors are rethrown.
 */
export function partProblem(part: string, error: unknown, signal: AbortSignal): PartProblem {
  if (isFatal(error, signal)) throw error;
  const failure = error instanceof ArcGISFailure ? error : toArcGISFailure(error);
  const code = failure.messageCode ?? (failure.code === undefined ? failure.kind : String(failure.code));
  if (failure.kind === 'forbidden') {
    return { part, status: 'skipped', reason: `The identity may not read it: ${failure.message}`, code: 'forbidden' };
  }
  if (failure.kind === 'not_found') {
    return { part, status: 'skipped', reason: `ArcGIS says it does not exist or is inaccessible: ${failure.message}`, code };
  }
  return { part, status: 'failed', reason: failure.message, code };
}
