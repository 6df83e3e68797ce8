/**
 * How the identity checks reach a URL an administrator typed, before it is known to be an ArcGIS portal
 * (portal-client.ts): a GET that
 * - follows redirects only within the URL's own origin (scheme, host and port), at most MAX_REDIRECTS of them, and says
 *   which host a refused redirect pointed to;
 * - connects only where http/outbound-target.ts allows (never to a link-local or cloud metadata address, checked for
 *   every address the name resolves to, the connection pinned to them; loopback and private networks allowed).
 * Answers are read up to MAX_BODY_BYTES; callers report statuses, never the remote text.
 */
import http from 'node:http';
import https from 'node:https';
import { checkOutboundTarget, pinnedLookup, type Resolve, type ResolvedAddress } from '../http/outbound-target.js';

export { forbiddenAddress, type Resolve, type ResolvedAddress } from '../http/outbound-target.js';

export const MAX_REDIRECTS = 5;
const MAX_BODY_BYTES = 1024 * 1024;

export interface ProbeRequestOptions {
  /** Headers for each request, redirects included (IWA needs a fresh Negotiate token each time). */
  headersFor?: (url: string) => Promise<Record<string, string>>;
  timeoutMs: number;
  /** Follow same-origin redirects (default true); false answers the redirect itself. */
  followRedirects?: boolean;
  resolve?: Resolve;
}

export type ProbeResponse =
  | { kind: 'answer'; url: string; status: number; headers: Headers; text: string }
  /** Not sent, or not followed: a metadata address, a redirect to another origin, too many redirects. */
  | { kind: 'refused'; message: string }
  | { kind: 'unreachable'; error: unknown };

export async function probeRequest(input: string, options: ProbeRequestOptions): Promise<ProbeResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const start = new URL(input);
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const target = await checkOutboundTarget(url, options.resolve, 'Enter the address of the portal itself.');
    if (target.kind !== 'ok') return target;
    let answer: { status: number; headers: Headers; text: string };
    try {
      answer = await get(url, options.headersFor ? await options.headersFor(url.href) : {}, target.addresses, signal);
    } catch (error) {
      return { kind: 'unreachable', error };
    }
    const location = answer.headers.get('location');
    if (options.followRedirects === false || ![301, 302, 303, 307, 308].includes(answer.status) || !location) return { kind: 'answer', url: url.href, ...answer };
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { kind: 'refused', message: `${url.host} answered HTTP ${answer.status} with a redirect that is not a URL.` };
    }
    if (next.origin !== start.origin) {
      return {
        kind: 'refused',
        message: `${url.origin}${url.pathname} redirects (HTTP ${answer.status}) to another host, ${next.origin}; OrgKeeper follows redirects only within ${start.origin}. If the organization moved, enter its new address.`
      };
    }
    if (redirects >= MAX_REDIRECTS) return { kind: 'refused', message: `${url.origin}${url.pathname} redirected more than ${MAX_REDIRECTS} times; OrgKeeper stopped following.` };
    url = next;
  }
}

/** One GET over a connection to the checked addresses only. */
function get(url: URL, headers: Record<string, string>, addresses: ResolvedAddress[], signal: AbortSignal): Promise<{ status: number; headers: Headers; text: string }> {
  const lookup = pinnedLookup(addresses);
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'GET', headers: { accept: 'application/json', ...headers }, lookup, signal, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) for (const v of [value ?? []].flat()) answerHeaders.append(name, v);
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders, text: Buffer.concat(chunks).toString('utf8') });
      };
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        else {
          // Enough to tell what answered; the rest is not read.
          response.destroy();
          finish();
        }
      });
      response.on('end', finish);
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}
