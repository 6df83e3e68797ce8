import { existsSync } from 'node:fs';
import { type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { type EmulatorContext } from '../context.js';
import { type ResolvedOptions } from '../options.js';
import { type UserRecord } from '../state/types.js';

export type IwaOutcome =
  | { kind: 'challenge'; headers: Record<string, string> }
  | { kind: 'ok'; principal: string; headers?: Record<string, string> };

/** Checks the HTTP Negotiate (Kerberos SPNEGO) header of every request in IWA mode. */
export interface IwaAuthenticator {
  authenticate(req: IncomingMessage): Promise<IwaOutcome>;
  /** The portal user a Kerberos principal maps to, or null. */
  userFor(principal: string): UserRecord | null;
}

/** The part of the optional `kerberos` package the emulator uses. */
interface KerberosServerContext {
  username: string;
  response: string;
  contextComplete: boolean;
  step(challenge: string): Promise<string>;
}
interface KerberosModule {
  initializeServer(service: string): Promise<KerberosServerContext>;
}

/** Default service principal (GSSAPI host-based form) when `--service-principal` is not given. */
export const DEFAULT_SERVICE_PRINCIPAL = 'HTTP@localhost';

const CHALLENGE: IwaOutcome = { kind: 'challenge', headers: { 'WWW-Authenticate': 'Negotiate' } };

function loadKerberos(): KerberosModule {
  try {
    // `kerberos` is an optional native dependency (CommonJS); load it only when IWA mode asks for it.
    const require = createRequire(import.meta.url);
    return require('kerberos') as KerberosModule;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `IWA mode needs the optional 'kerberos' package, which could not be loaded (${reason}). ` +
        "Install the Kerberos headers (Debian: apt-get install libkrb5-dev) and run 'npm install' again so it builds."
    );
  }
}

/**
 * IWA as the ArcGIS Enterprise web adaptor does it on IIS: every request must carry `Authorization: Negotiate <token>`
 * that the service principal's keytab can accept; anything else gets 401 with `WWW-Authenticate: Negotiate`.
 * Each request is authenticated on its own (no per-connection state), so a client sends a fresh token every time.
 */
export async function createIwaAuthenticator(options: ResolvedOptions, emu: EmulatorContext): Promise<IwaAuthenticator> {
  if (!options.keytab) throw new Error('--iwa needs --keytab FILE (the keytab of the HTTP service principal)');
  if (!existsSync(options.keytab)) throw new Error(`--keytab ${options.keytab}: no such file`);
  const kerberos = loadKerberos();
  // GSSAPI reads the acceptor keytab from KRB5_KTNAME; IWA mode owns this process's Kerberos settings.
  process.env.KRB5_KTNAME = `FILE:${options.keytab}`;
  const service = options.servicePrincipal ?? DEFAULT_SERVICE_PRINCIPAL;
  // Fail at start-up rather than on the first request when the service name cannot be used at all.
  await kerberos.initializeServer(service).catch((error: unknown) => {
    throw new Error(`IWA: cannot act as '${service}' with keytab ${options.keytab}: ${error instanceof Error ? error.message : String(error)}`);
  });

  return {
    async authenticate(req: IncomingMessage): Promise<IwaOutcome> {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? /^Negotiate\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
      if (!match?.[1]) return CHALLENGE;
      try {
        const server = await kerberos.initializeServer(service);
        const response = await server.step(match[1]);
        if (!server.contextComplete || !server.username) return CHALLENGE;
        const mutual = response || server.response;
        return { kind: 'ok', principal: server.username, headers: mutual ? { 'WWW-Authenticate': `Negotiate ${mutual}` } : undefined };
      } catch (error) {
        if (!options.quiet) {
          process.stderr.write(`arcgis-emulator: IWA: rejected a Negotiate token: ${error instanceof Error ? error.message : String(error)}\n`);
        }
        return CHALLENGE;
      }
    },
    userFor(principal: string): UserRecord | null {
      return userForPrincipal(emu, principal);
    }
  };
}

/**
 * Maps a Kerberos principal (`svc@OK.TEST`, `DOMAIN\\user` never reaches here on Linux) to a portal user: the user whose
 * `kerberosPrincipal` equals it (case-insensitive), else the user named like the principal's primary part, as
 * ArcGIS Enterprise's Windows identity store matches `DOMAIN\\user` or `user@REALM` to the account `user`.
 */
export function userForPrincipal(emu: EmulatorContext, principal: string): UserRecord | null {
  const lower = principal.toLowerCase();
  for (const user of emu.state.users.values()) {
    if (user.kerberosPrincipal && user.kerberosPrincipal.toLowerCase() === lower) return user.disabled ? null : user;
  }
  const primary = lower.split('@')[0]?.split('/')[0] ?? '';
  const user = primary ? emu.state.getUser(primary) : undefined;
  return user && !user.disabled ? user : null;
}
