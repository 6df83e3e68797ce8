/**
 * How a generic (`json`) webhook is signed, so its receiver can tell it came from this OrgKeeper and was not changed or
 * replayed (README: Webhooks):
 *
 *   X-OrgKeeper-Timestamp: <Unix time in seconds when the attempt was sent>
 *   X-OrgKeeper-Signature: v1=<hex HMAC-SHA256 with the webhook's secret over "<timestamp>.<raw body>">
 *
 * The timestamp is signed with the body, so a receiver that refuses timestamps more than a few minutes away from its
 * clock (and remembers X-OrgKeeper-Delivery ids it has seen within that window) cannot be fed an old request again.
 * Each attempt is signed afresh with its own timestamp. `verifySignature` is the receiver's side, written out as a
 * receiver would (the tests' receiver uses it; the README shows the same steps).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-OrgKeeper-Timestamp';
export const SIGNATURE_HEADER = 'X-OrgKeeper-Signature';
export const DELIVERY_HEADER = 'X-OrgKeeper-Delivery';
export const EVENT_HEADER = 'X-OrgKeeper-Event';
/** What the README recommends receivers accept: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** The headers that sign `body` at `timestamp` (Unix seconds). */
export function signatureHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * The receiver's check: the timestamp is a whole number within `toleranceSeconds` of `now`, and one of the header's
 * `v1=` signatures (comma-separated) is the HMAC of "<timestamp>.<raw body>", compared in constant time.
 */
export function verifySignature(input: {
  secret: string;
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): VerifyResult {
  if (!input.timestamp || !input.signature || !/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: 'missing' };
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowSeconds - timestamp) > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(signature(input.secret, timestamp, input.rawBody), 'utf8');
  const matches = input.signature
    .split(',')
    .map((s) => Buffer.from(s.trim(), 'utf8'))
    .some((given) => given.length === expected.length && timingSafeEqual(given, expected));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
