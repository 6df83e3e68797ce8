import { createHash } from 'node:crypto';
import { type Ctx, type EmulatorContext, requireUser } from '../context.js';
import { ArcGISError } from '../errors.js';
import { type Router } from '../router.js';
import { type FederatedServerRecord } from '../state/types.js';

/**
 * The organization's servers as the portal lists them (Esri, users-groups-and-items):
 *
 * - `portals/<self|orgId>/servers` ("Servers"): the ArcGIS Server sites federated with the portal,
 *   `{servers: [{id, name, url, isHosted, adminUrl, serverType, serverRole, serverFunction}]}`. "This resource is not
 *   applicable to ArcGIS Online": an Online emulator does not answer it (the generic "Invalid URL").
 * - `portals/<self|orgId>/urls` ("URLs"): the servers hosting the organization's tile and feature services,
 *   `{urls: {tiles: {https: [...]}, features: {https: [...]}}}`. Esri's example (Enterprise) lists full server URLs; for
 *   ArcGIS Online, Esri's Python API reads the entries as host names (`services7.arcgis.com`) under `http` and
 *   `https`, and builds `https://<host>/<orgId>/arcgis/rest/services` from them. *Unverified*: no Esri document shows an
 *   Online answer; the emulator lists its own host under both schemes, which gives exactly its services root.
 *
 * *Unverified*: which privilege these need. The emulator answers any signed-in member of the organization and asks
 * anonymous callers for a token (499), as for the organization's other `portals/self` children.
 */
export function registerServerRoutes(router: Router, emu: EmulatorContext): void {
  const rest = emu.urls.paths.rest;
  if (emu.options.kind === 'enterprise') {
    router.any(`${rest}/portals/:portalId/servers`, (ctx) => ({ servers: listedServers(ctx) }), { name: 'portals/self/servers' });
  }
  router.any(`${rest}/portals/:portalId/urls`, (ctx) => ({ urls: hostingUrls(ctx) }), { name: 'portals/self/urls' });
}

function checkCaller(ctx: Ctx): void {
  const id = (ctx.params.portalId ?? '').toLowerCase();
  if (id !== 'self' && id !== ctx.emu.state.org.id.toLowerCase()) {
    throw new ArcGISError(400, 'Portal does not exist or is inaccessible.', { details: [] });
  }
  requireUser(ctx);
}

/** The emulator's own hosting server (its `/server` site), then the federated servers the state lists. */
function listedServers(ctx: Ctx): FederatedServerRecord[] {
  checkCaller(ctx);
  const { serverUrl } = ctx.emu.urls;
  const hosting: FederatedServerRecord = {
    id: serverId(serverUrl),
    name: new URL(serverUrl).host,
    url: serverUrl,
    adminUrl: serverUrl,
    isHosted: true,
    serverType: 'ArcGIS',
    serverRole: 'HOSTING_SERVER',
    serverFunction: ''
  };
  return [hosting, ...(ctx.emu.state.org.federatedServers ?? []).map((s) => ({ ...s }))];
}

function hostingUrls(ctx: Ctx): Record<string, Record<string, string[]>> {
  checkCaller(ctx);
  const { emu } = ctx;
  if (emu.options.kind === 'enterprise') {
    const url = emu.urls.serverUrl;
    return { tiles: { https: [url] }, features: { https: [url] } };
  }
  const host = new URL(emu.urls.portalUrl).host;
  return { features: { http: [host], https: [host] }, tiles: { http: [host], https: [host] } };
}

/** A stable 16-character server id (ArcGIS's look like `EzbP0KZKrzn5guAh`). */
export function serverId(url: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...createHash('sha256').update(url).digest().subarray(0, 16)].map((b) => alphabet[b % alphabet.length]).join('');
}
