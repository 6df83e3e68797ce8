/**
 * How the identity checks reach a URL an administrator typed, before it is known to be an ArcGIS portal
 * (portal-client.ts): a GET that
 * - follows redirects only within the URL's own origin (scheme, host and port), at most MAX_REDIRECTS of them, and says
 *   which host a refused redirect pointed to;
 * - never connects to a link-local or cloud metadata address (169.254.0.0/16 with 169.254.169.254, fe80::/10,
 *   fd00:ec2::254, 100.100.100.200, metadata.google.internal, ...): the host name is resolved first, every address it
 *   resolves to is checked, and the connection is pinned to those checked addresses (a custom `lookup` hands the socket
 *   exactly them), so a DNS answer that changes between the check and the connection cannot slip through;
 * - keeps loopback and private addresses: the demo and the tests use an emulator on 127.0.0.1, and on-premises portals
 *   live on private networks.
 * Answers are read up to MAX_BODY_BYTES; callers report statuses, never the remote text.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

export const MAX_REDIRECTS = 5;
const MAX_BODY_BYTES = 1024 * 1024;

const METADATA_ADDRESSES = new BlockList();
METADATA_ADDRESSES.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local; 169.254.169.254 is AWS, Azure, GCP and OCI metadata
METADATA_ADDRESSES.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
METADATA_ADDRESSES.addSubnet('fe80::', 10, 'ipv6'); // link-local
METADATA_ADDRESSES.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
METADATA_ADDRESSES.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6'); // 169.254.0.0/16 through NAT64
// (IPv4-mapped IPv6 addresses such as ::ffff:169.254.169.254 are matched by the IPv4 rules.)

/** Names of metadata services, refused before any resolution (some resolve only inside a cloud). */
const METADATA_NAMES = /^(?:metadata|metadata\.google\.internal|metadata\.goog|instance-data|instance-data\.ec2\.internal|metadata\.tencentyun\.com)\.?$/i;

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** Every address a host name resolves to (the system resolver by default; tests pass their own). */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

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

/** Why an address may not be contacted, or undefined. */
export function forbiddenAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  return METADATA_ADDRESSES.check(address, family === 6 ? 'ipv6' : 'ipv4') ? 'a link-local or cloud metadata address' : undefined;
}

export async function probeRequest(input: string, options: ProbeRequestOptions): Promise<ProbeResponse> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const start = new URL(input);
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const target = await checkTarget(url, options.resolve ?? systemResolve);
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

/** The checked addresses to connect to, or why the host is refused. */
async function checkTarget(url: URL, resolve: Resolve): Promise<{ kind: 'ok'; addresses: ResolvedAddress[] } | ProbeResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'refused', message: `${url.protocol} is not HTTP or HTTPS.` };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = (why: string) => ({ kind: 'refused' as const, message: `${url.host} is ${why}; OrgKeeper sends no request there. Enter the address of the portal itself.` });
  if (METADATA_NAMES.test(host)) return refused('a cloud metadata service');
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      return { kind: 'unreachable', error };
    }
  }
  for (const { address } of addresses) {
    const why = forbiddenAddress(address);
    if (why) return refused(address === host ? why : `resolved to ${address}, ${why}`);
  }
  if (addresses.length === 0) return { kind: 'unreachable', error: Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' }) };
  return { kind: 'ok', addresses };
}

/** One GET over a connection to the checked addresses only. */
function get(url: URL, headers: Record<string, string>, addresses: ResolvedAddress[], signal: AbortSignal): Promise<{ status: number; headers: Headers; text: string }> {
  const lookup = ((_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  }) as LookupFunction;
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
