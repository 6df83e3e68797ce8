import { type IncomingMessage } from 'node:http';
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

export async function createIwaAuthenticator(_options: ResolvedOptions, _emu: EmulatorContext): Promise<IwaAuthenticator> {
  throw new Error('IWA mode is not implemented yet');
}
