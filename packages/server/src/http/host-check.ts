import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { AppError } from '../errors/app-error.js';

/** Names a browser uses for this very machine; DNS cannot point them elsewhere. */
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `name`, `name:port`, `1.2.3.4:port` or `[v6]:port`; anything else is not a Host OrgKeeper answers. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(\d{1,5}))?$/;

export interface HostRule {
  /** Host names (lower case, IPv6 in brackets) requests may name. */
  hostnames: ReadonlySet<string>;
  publicUrl: string;
}

/** True for addresses only this machine can connect to (127.0.0.0/8, ::1, localhost). */
export function isLoopbackBind(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host.toLowerCase().startsWith('::ffff:127.');
}

/**
 * The host names OrgKeeper answers to: its public URL's, plus the loopback names when it listens on
 * loopback only (a browser on this machine; nobody else can connect).
 */
export function hostRule(config: Pick<Config, 'publicUrl' | 'host'>): HostRule {
  const hostnames = new Set([new URL(config.publicUrl).hostname.toLowerCase()]);
  if (isLoopbackBind(config.host)) for (const name of LOOPBACK_NAMES) hostnames.add(name);
  return { hostnames, publicUrl: config.publicUrl };
}

/** The host name a Host header names (lower case, without port or a final dot), or null when it is not a host. */
export function hostnameOf(host: string | undefined): string | null {
  const match = HOST_HEADER.exec(host ?? '');
  if (!match) return null;
  const port = match[2] === undefined ? 0 : Number(match[2]);
  if (port > 65535) return null;
  return (match[1] as string).toLowerCase().replace(/\.$/, '');
}

/**
 * Refuses every request whose Host (or X-Forwarded-Host from a trusted proxy) is not one of
 * OrgKeeper's names. Against DNS rebinding: a page on `evil.example` that re-points its own name at
 * OrgKeeper's address makes the browser send `Host: evil.example` with a matching Origin, which
 * the same-origin checks alone would accept (first-run setup would then hand it the first
 * administrator account). Host names are compared, not ports: a rebinding page cannot name
 * OrgKeeper's own host, whatever port, and a reverse proxy may or may not pass the port on.
 */
export function installHostCheck(app: FastifyInstance, rule: HostRule): void {
  app.addHook('onRequest', async (request) => {
    // Decided from the matched route, like access: health probes and /metrics (behind its token) answer any Host.
    if (!request.is404 && request.routeOptions.config.anyHost === true) return;
    const hostname = hostnameOf(request.host);
    if (hostname !== null && rule.hostnames.has(hostname)) return;
    const named = hostname === null ? 'a missing or malformed Host header' : `the host name "${hostname}"`;
    throw new AppError(
      'host_not_allowed',
      `OrgKeeper answers only at its public URL (${rule.publicUrl}); this request named ${named}. ` +
        'Open OrgKeeper at its public URL, or, if it is reached at this address, start it with --public-url set to that address ' +
        '(e.g. --public-url https://orgkeeper.example.org).'
    );
  });
}
