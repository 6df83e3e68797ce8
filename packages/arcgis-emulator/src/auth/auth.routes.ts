import { type EmulatorContext } from '../context.js';
import { errors } from '../errors.js';
import { type Router } from '../router.js';
import { generateToken } from './generate-token.js';
import { registerOAuthRoutes } from './oauth.routes.js';
import { expireAllTokens, tokenSettings } from './tokens.js';

/** Where the emulator-only control endpoints live (same prefix as server.ts's). */
const CONTROL_PREFIX = '/__emulator';

/** The hosting server's version as `rest/info` reports it (ArcGIS Enterprise 11.3). */
const SERVER_VERSION = { currentVersion: 11.3, fullVersion: '11.3.0' };

export function registerAuthRoutes(router: Router, emu: EmulatorContext): void {
  const { paths, portalUrl, restUrl, serverUrl } = emu.urls;
  const ignore = { auth: 'ignore' as const };

  // `<rest>/info` answers without a token: where tokens come from (Esri's clients start here).
  router.any(
    `${paths.rest}/info`,
    () => ({
      owningSystemUrl: portalUrl,
      authInfo: { tokenServicesUrl: `${restUrl}/generateToken`, isTokenBasedSecurity: true }
    }),
    { ...ignore, name: 'info' }
  );

  // The federated hosting server's `rest/info`: owningSystemUrl is the portal, whose generateToken mints server
  // tokens. ArcGISIdentityManager.getTokenForServer walks exactly this chain for every non-portal URL.
  router.any(
    `${paths.server}/rest/info`,
    () => ({
      ...SERVER_VERSION,
      soapUrl: `${serverUrl}/services`,
      secureSoapUrl: null,
      owningSystemUrl: portalUrl,
      authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${restUrl}/generateToken`, shortLivedTokenValidity: 60 }
    }),
    { ...ignore, name: 'server/rest/info' }
  );

  router.post(`${paths.rest}/generateToken`, generateToken, { ...ignore, name: 'generateToken' });

  registerOAuthRoutes(router, emu);

  // Emulator-only: token lifetimes and a switch that makes every token expire now (never part of ArcGIS).
  router.get(`${CONTROL_PREFIX}/tokens`, () => ({ ...tokenSettings(emu) }), ignore);
  router.post(
    `${CONTROL_PREFIX}/tokens`,
    (ctx) => {
      const source: Record<string, unknown> = ctx.req.params.json
        ? (JSON.parse(ctx.req.params.json) as Record<string, unknown>)
        : ctx.req.params;
      const settings = tokenSettings(emu);
      const minutes = (name: string): number | null | undefined => {
        const value = source[name];
        if (value === undefined || value === '') return undefined;
        if (value === null || value === 'null') return null;
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) throw errors.invalidParam(`${name} must be a number of minutes > 0, or null for ArcGIS's default`);
        return n;
      };
      const access = minutes('accessMinutes');
      if (access === null) settings.accessMinutes = emu.options.tokenMinutes;
      else if (access !== undefined) settings.accessMinutes = access;
      const refresh = minutes('refreshMinutes');
      if (refresh !== undefined) settings.refreshMinutes = refresh;
      const generate = minutes('generateTokenMinutes');
      if (generate !== undefined) settings.generateTokenMinutes = generate;
      if (source.redirectUriMatching !== undefined) {
        const mode = String(source.redirectUriMatching);
        if (mode !== 'exact' && mode !== 'prefix') throw errors.invalidParam('redirectUriMatching must be exact or prefix');
        settings.redirectUriMatching = mode;
      }
      const truthy = (v: unknown) => v === true || v === 'true';
      const expired = truthy(source.expireAll) ? expireAllTokens(emu, truthy(source.expireRefreshTokens)) : undefined;
      return { ...settings, ...(expired ? { expired } : {}) };
    },
    ignore
  );
}
