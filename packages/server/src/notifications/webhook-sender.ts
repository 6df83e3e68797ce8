/**
 * One POST of a webhook body to a URL an administrator typed: only where http/outbound-target.ts allows (never a
 * link-local or cloud metadata address, the connection pinned to the checked addresses), within a time limit, and no
 * redirect followed at all (a 3xx is an answer that says where it pointed: a POST is not something to replay on
 * another host, and the URL to enter is the final one). The receiver's answer is read up to a bound and dropped:
 * OrgKeeper reports its status, never its text.
 */
import http from 'node:http';
import https from 'node:https';
import { checkOutboundTarget, pinnedLookup, type Resolve } from '../http/outbound-target.js';

const MAX_ANSWER_BYTES = 64 * 1024;

export type SendResult =
  | { kind: 'answer'; status: number; retryAfterSeconds: number | undefined; location: string | undefined }
  /** Not sent: the address is refused, or the URL is not HTTP(S). */
  | { kind: 'refused'; message: string }
  /** No answer: the name does not resolve, the connection failed, or the time ran out. */
  | { kind: 'unreachable'; message: string };

export interface SendOptions {
  timeoutMs: number;
  resolve?: Resolve;
  /** Stops the attempt (shutdown). */
  signal?: AbortSignal;
}

export async function postWebhook(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendResult> {
  const target = new URL(url);
  const checked = await checkOutboundTarget(target, options.resolve, 'Enter a webhook URL on another host.');
  if (checked.kind === 'refused') return checked;
  if (checked.kind === 'unreachable') return { kind: 'unreachable', message: networkError(checked.error, target, options.timeoutMs) };
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
  try {
    return await new Promise<SendResult>((resolve, reject) => {
      const request = (target.protocol === 'https:' ? https : http).request(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'user-agent': 'OrgKeeper-Webhook/1', ...headers },
          lookup: pinnedLookup(checked.addresses),
          signal,
          agent: false
        },
        (response) => {
          let size = 0;
          const done = () =>
            resolve({
              kind: 'answer',
              status: response.statusCode ?? 0,
              retryAfterSeconds: retryAfter(response.headers['retry-after']),
              location: typeof response.headers.location === 'string' ? response.headers.location : undefined
            });
          response.on('data', (chunk: Buffer) => {
            size += chunk.byteLength;
            // The status is what counts; a receiver that keeps talking is cut off.
            if (size > MAX_ANSWER_BYTES) {
              response.destroy();
              done();
            }
          });
          response.on('end', done);
          response.on('error', reject);
        }
      );
      request.on('error', reject);
      request.end(body);
    });
  } catch (error) {
    return { kind: 'unreachable', message: networkError(error, target, options.timeoutMs) };
  }
}

/** Retry-After as seconds from now: a number of seconds, or an HTTP date. */
export function retryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Why a request got no answer, in words an administrator can act on (never the remote text). */
function networkError(error: unknown, url: URL, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  const code = e.cause?.code ?? e.code;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || code === 'ABORT_ERR') {
    const seconds = Math.max(1, Math.round(timeoutMs / 1000));
    return `${url.host} did not answer within ${seconds} second${seconds === 1 ? '' : 's'}.`;
  }
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${url.hostname} could not be resolved; check the URL.`;
    case 'ECONNREFUSED':
      return `${url.host} refused the connection; check the URL and that the receiver is running.`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${url.host} closed the connection before answering.`;
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The TLS certificate of ${url.host} is not trusted (${code}); a private CA must be trusted by OrgKeeper's server (NODE_EXTRA_CA_CERTS).`;
    default:
      return `Could not reach ${url.host}${code ? ` (${code})` : ''}.`;
  }
}
