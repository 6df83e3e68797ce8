/**
 * Where OrgKeeper may send a request to a URL someone typed (a portal's address before it is known to be a portal,
 * a webhook's URL): never to a link-local or cloud metadata address (169.254.0.0/16 with 169.254.169.254, fe80::/10,
 * fd00:ec2::254, 100.100.100.200, metadata.google.internal, ...). The host name is resolved first, every address it
 * resolves to is checked, and the connection is pinned to those checked addresses (`pinnedLookup` hands the socket
 * exactly them), so a DNS answer that changes between the check and the connection cannot slip through.
 * Loopback and private addresses stay allowed: the demo and the tests use servers on 127.0.0.1, and on-premises
 * portals and chat or ticket systems live on private networks.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

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

export const systemResolve: Resolve = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Why an address may not be contacted, or undefined. */
export function forbiddenAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return undefined;
  return METADATA_ADDRESSES.check(address, family === 6 ? 'ipv6' : 'ipv4') ? 'a link-local or cloud metadata address' : undefined;
}

export type OutboundTarget =
  | { kind: 'ok'; addresses: ResolvedAddress[] }
  /** Not to be contacted: not HTTP(S), a metadata name, or an address (or a name resolving to one) that is refused. */
  | { kind: 'refused'; message: string }
  /** The name could not be resolved. */
  | { kind: 'unreachable'; error: unknown };

/**
 * The checked addresses to connect to for `url`, or why it is refused. `advice` ends a refusal's message (what to enter
 * instead, e.g. "Enter the address of the portal itself.").
 */
export async function checkOutboundTarget(url: URL, resolve: Resolve = systemResolve, advice = ''): Promise<OutboundTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'refused', message: `${url.protocol} is not HTTP or HTTPS.` };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = (why: string) => ({ kind: 'refused' as const, message: `${url.host} is ${why}; OrgKeeper sends no request there.${advice ? ` ${advice}` : ''}` });
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

/** A `lookup` for node:http(s) that connects only to these (checked) addresses, whatever DNS says meanwhile. */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  }) as LookupFunction;
}
