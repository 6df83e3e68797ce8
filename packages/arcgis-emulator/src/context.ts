import { errors } from './errors.js';
import { type EmuRequest } from './http/request.js';
import { type FaultController } from './faults/fault-controller.js';
import { type RequestLog } from './faults/request-log.js';
import { type ResolvedOptions } from './options.js';
import { isAdmin } from './state/permissions.js';
import { type EmulatorState } from './state/state.js';
import { type TokenRecord, type UserRecord } from './state/types.js';

/** Where things live; computed once the server listens (port 0 picks a free port). */
export interface EmulatorUrls {
  /** `http://host:port` (online) or `http://host:port/portal` (enterprise). */
  portalUrl: string;
  /** `<portalUrl>/sharing/rest` */
  restUrl: string;
  /** Root of the hosting server: `http://host:port/<orgId>/arcgis` (online) or `http://host:port/server` (enterprise). */
  serverUrl: string;
  /** `<serverUrl>/rest/services` (online) or `<serverUrl>/rest/services/Hosted` (enterprise). */
  servicesRoot: string;
  /** The admin twin of servicesRoot (`rest/admin/services`). */
  adminServicesRoot: string;
  /** Path prefixes (no origin) of the same, for routing. */
  paths: { portal: string; rest: string; server: string; services: string; adminServices: string };
}

/** The emulator's clock; tests may move it forward to age content without waiting. */
export interface Clock {
  now(): number;
  offsetMs: number;
}

export interface EmulatorContext {
  options: ResolvedOptions;
  state: EmulatorState;
  urls: EmulatorUrls;
  faults: FaultController;
  requestLog: RequestLog;
  clock: Clock;
  /** Called after every state change that should be persisted (`--state-dir`). */
  markDirty(): void;
}

/** One request being handled. */
export interface Ctx {
  req: EmuRequest;
  params: Record<string, string>;
  emu: EmulatorContext;
  /** The signed-in user (from a valid token or IWA), or null when anonymous. */
  user: UserRecord | null;
  token: TokenRecord | null;
  /** Kerberos principal of the request in IWA mode. */
  principal: string | null;
}

export function requireUser(ctx: Ctx): UserRecord {
  // An application token (client_credentials) is a valid token that acts for no user: ArcGIS refuses user
  // operations with 403 rather than asking for a token.
  if (!ctx.user) throw ctx.token ? errors.forbidden() : errors.tokenRequired();
  return ctx.user;
}

export function requireAdmin(ctx: Ctx): UserRecord {
  const user = requireUser(ctx);
  if (!isAdmin(user)) throw errors.forbidden();
  return user;
}

export function computeUrls(kind: 'online' | 'enterprise', origin: string, orgId: string): EmulatorUrls {
  const paths =
    kind === 'online'
      ? {
          portal: '',
          rest: '/sharing/rest',
          server: `/${orgId}/arcgis`,
          services: `/${orgId}/arcgis/rest/services`,
          adminServices: `/${orgId}/arcgis/rest/admin/services`
        }
      : {
          portal: '/portal',
          rest: '/portal/sharing/rest',
          server: '/server',
          services: '/server/rest/services/Hosted',
          adminServices: '/server/rest/admin/services/Hosted'
        };
  return {
    portalUrl: origin + paths.portal,
    restUrl: origin + paths.rest,
    serverUrl: origin + paths.server,
    servicesRoot: origin + paths.services,
    adminServicesRoot: origin + paths.adminServices,
    paths
  };
}
