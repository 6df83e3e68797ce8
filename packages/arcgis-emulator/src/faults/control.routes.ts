import { tokenSettings } from '../auth/tokens.js';
import { purgeTime, RECYCLE_BIN_RETENTION_MS, recycleBinSettings, setRecycleBinMode } from '../content/recycle-bin.js';
import { type EmulatorContext } from '../context.js';
import { ArcGISError, errors } from '../errors.js';
import { type FaultSettings, validateFaultPatch } from '../faults/fault-controller.js';
import { reply, type Reply } from '../http/reply.js';
import { type Router } from '../router.js';

/**
 * Emulator-only endpoints under `/__emulator/` (never part of ArcGIS): faults, token lifetime, the request log, the
 * clock. They take form fields, query parameters or one `json` field holding an object, and answer JSON.
 *
 * - `GET  /__emulator/faults` -> the fault settings, `tokenMinutes` and counts of injected faults.
 * - `POST /__emulator/faults` with any of: latencyMs, latencyJitterMs, errorRate, errorStyle (http|body|mixed),
 *   resetRate, faultRate (shortcut: 70% errors, 30% resets, as `--fault-rate`), throttleRpm, throttleStyle
 *   (http|body|mixed), throttleScope (all|features), throttleWindowSeconds, throttleWindow (sliding|fixed), retryAfterSeconds, retryAfterMode (fixed|window), pathFilter (list or comma-separated), tokenMinutes (lifetime of tokens
 *   issued from now on), reset=true (no faults at all; applied before the other fields).
 * - `GET  /__emulator/requests[?recent=N]` -> {total, byEndpoint, byStatus, byFault, recent}; `POST .../requests/reset`.
 * - `GET|POST /__emulator/clock` (`advanceMs`), `GET /__emulator/health`.
 * - `GET /__emulator/recycle-bin` -> {supported, enabled, retentionMs, restoredSharing, unsupportedTypes, items:
 *   [{itemId, title, type, owner, deletedBy, deletedAt, purgeAt}]} (ArcGIS Online only: who deleted what and when it
 *   goes, which ArcGIS's own listing may not tell); `POST` with `mode` (enabled|disabled|unsupported) or `enabled`
 *   and/or `supported` (true|false) switches the organization's bin.
 */
export function registerControlRoutes(router: Router, emu: EmulatorContext, prefix: string): void {
  const opts = { auth: 'ignore' as const };
  const json = (body: unknown): Reply => reply.raw(JSON.stringify(body), 'application/json; charset=utf-8');
  const faultsView = () => ({ ...emu.faults.settings, tokenMinutes: tokenSettings(emu).accessMinutes, injected: { ...emu.faults.injected } });
  router.get(`${prefix}/faults`, () => json(faultsView()), { ...opts, name: 'emulator/faults' });
  router.post(
    `${prefix}/faults`,
    (ctx) => {
      const { patch, tokenMinutes, reset } = parsePatch(ctx.req.params);
      try {
        validateFaultPatch(patch);
      } catch (error) {
        throw errors.invalidParam((error as Error).message);
      }
      if (reset) emu.faults.reset();
      emu.faults.update(patch);
      if (tokenMinutes !== undefined) {
        // Lifetime of access tokens issued from now on (the same setting as POST /__emulator/tokens accessMinutes).
        emu.options.tokenMinutes = tokenMinutes;
        tokenSettings(emu).accessMinutes = tokenMinutes;
      }
      return json(faultsView());
    },
    { ...opts, name: 'emulator/faults/update' }
  );
  router.get(
    `${prefix}/requests`,
    (ctx) => {
      const recent = ctx.req.params.recent;
      if (recent === undefined || recent === '') return json(emu.requestLog.snapshot());
      const n = Number(recent);
      if (!Number.isInteger(n) || n < 0) throw errors.invalidParam('recent must be an integer >= 0');
      return json(emu.requestLog.snapshot(n));
    },
    { ...opts, name: 'emulator/requests' }
  );
  router.post(
    `${prefix}/requests/reset`,
    () => {
      emu.requestLog.reset();
      return json({ success: true });
    },
    { ...opts, name: 'emulator/requests/reset' }
  );
  router.get(`${prefix}/clock`, () => json({ now: emu.clock.now(), offsetMs: emu.clock.offsetMs }), { ...opts, name: 'emulator/clock' });
  router.post(
    `${prefix}/clock`,
    (ctx) => {
      const advance = Number(ctx.req.params.advanceMs ?? 0);
      if (!Number.isFinite(advance)) throw errors.invalidParam('advanceMs must be a number of milliseconds');
      emu.clock.offsetMs += advance;
      return json({ now: emu.clock.now(), offsetMs: emu.clock.offsetMs });
    },
    { ...opts, name: 'emulator/clock/update' }
  );
  router.get(`${prefix}/recycle-bin`, () => json(recycleBinView(emu)), { ...opts, name: 'emulator/recycle-bin' });
  router.post(
    `${prefix}/recycle-bin`,
    (ctx) => {
      const settings = recycleBinSettings(emu);
      if (!settings) throw errors.invalidParam('ArcGIS Enterprise has no recycle bin.');
      const p = ctx.req.params;
      const unknown = Object.keys(p).filter((k) => !['f', 'token', 'mode', 'enabled', 'supported'].includes(k));
      if (unknown.length > 0) throw errors.invalidParam(`Unknown recycle bin setting: ${unknown.join(', ')}`, ['Known settings: mode, enabled, supported']);
      const flag = (name: 'enabled' | 'supported'): boolean | undefined => {
        const v = (p[name] ?? '').toLowerCase();
        if (v === '') return undefined;
        if (v !== 'true' && v !== 'false') throw errors.invalidParam(`${name} must be true or false, not ${JSON.stringify(p[name])}`);
        return v === 'true';
      };
      const mode = p.mode;
      if (mode !== undefined && mode !== 'enabled' && mode !== 'disabled' && mode !== 'unsupported') {
        throw errors.invalidParam(`mode must be enabled, disabled or unsupported, not ${JSON.stringify(mode)}`);
      }
      const enabled = flag('enabled');
      const supported = flag('supported');
      if (mode) setRecycleBinMode(emu, mode);
      if (enabled !== undefined) settings.enabled = enabled;
      if (supported !== undefined) settings.supported = supported;
      emu.markDirty();
      return json(recycleBinView(emu));
    },
    { ...opts, name: 'emulator/recycle-bin/update' }
  );
  router.get(`${prefix}/health`, () => json({ ok: true, kind: emu.options.kind, orgId: emu.state.org.id }), { ...opts, name: 'emulator/health' });
}

function recycleBinView(emu: EmulatorContext): Record<string, unknown> {
  const settings = recycleBinSettings(emu);
  if (!settings) return { supported: false, enabled: false, items: [] };
  return {
    ...settings,
    retentionMs: RECYCLE_BIN_RETENTION_MS,
    items: [...emu.state.recycleBin.values()].map((entry) => ({
      itemId: entry.item.json.id,
      title: entry.item.json.title,
      type: entry.item.json.type,
      owner: entry.item.json.owner,
      deletedBy: entry.deletedBy,
      deletedAt: entry.deletedAt,
      purgeAt: purgeTime(entry)
    }))
  };
}

const NUMERIC = ['latencyMs', 'latencyJitterMs', 'errorRate', 'resetRate', 'throttleRpm', 'throttleWindowSeconds', 'retryAfterSeconds'] as const;
/** Fields the control endpoint accepts besides the settings (`f` and `token` are sent by generic clients). */
const ALSO_ALLOWED = new Set(['f', 'token', 'json', 'faultRate', 'tokenMinutes', 'reset', 'errorStyle', 'throttleStyle', 'throttleScope', 'throttleWindow', 'retryAfterMode', 'pathFilter']);

function parsePatch(params: Record<string, string>): { patch: Partial<FaultSettings>; tokenMinutes?: number; reset: boolean } {
  let source: Record<string, unknown> = params;
  if (params.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params.json);
    } catch {
      throw errors.invalidParam('json must be a JSON object of fault settings');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw errors.invalidParam('json must be a JSON object of fault settings');
    source = parsed as Record<string, unknown>;
  }
  const unknown = Object.keys(source).filter((k) => !ALSO_ALLOWED.has(k) && !(NUMERIC as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new ArcGISError(400, `Unknown fault setting: ${unknown.join(', ')}`, {
      details: [`Known settings: ${[...NUMERIC, 'errorStyle', 'throttleStyle', 'throttleScope', 'throttleWindow', 'retryAfterMode', 'pathFilter', 'faultRate', 'tokenMinutes', 'reset'].join(', ')}`]
    });
  }
  const number = (key: string): number | undefined => {
    const v = source[key];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw errors.invalidParam(`${key} must be a number, not ${JSON.stringify(v)}`);
    return n;
  };
  const patch: Partial<FaultSettings> = {};
  for (const key of NUMERIC) {
    const n = number(key);
    if (n !== undefined) patch[key] = n;
  }
  const faultRate = number('faultRate');
  if (faultRate !== undefined) {
    if (faultRate < 0 || faultRate > 1) throw errors.invalidParam('faultRate must be a number from 0 to 1');
    // The same split as --fault-rate: most failures are server errors, some are dropped connections.
    patch.errorRate ??= faultRate * 0.7;
    patch.resetRate ??= faultRate * 0.3;
  }
  for (const key of ['errorStyle', 'throttleStyle'] as const) {
    if (source[key] === undefined) continue;
    const style = String(source[key]);
    if (style !== 'http' && style !== 'body' && style !== 'mixed') throw errors.invalidParam(`${key} must be http, body or mixed`);
    patch[key] = style;
  }
  if (source.throttleScope !== undefined) {
    const scope = String(source.throttleScope);
    if (scope !== 'all' && scope !== 'features') throw errors.invalidParam('throttleScope must be all or features');
    patch.throttleScope = scope;
  }
  if (source.throttleWindow !== undefined) {
    const kind = String(source.throttleWindow);
    if (kind !== 'sliding' && kind !== 'fixed') throw errors.invalidParam('throttleWindow must be sliding or fixed');
    patch.throttleWindow = kind;
  }
  if (source.retryAfterMode !== undefined) {
    const mode = String(source.retryAfterMode);
    if (mode !== 'fixed' && mode !== 'window') throw errors.invalidParam('retryAfterMode must be fixed or window');
    patch.retryAfterMode = mode;
  }
  if (source.pathFilter !== undefined) {
    const v = source.pathFilter;
    patch.pathFilter = Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean);
  }
  const tokenMinutes = number('tokenMinutes');
  if (tokenMinutes !== undefined && !(tokenMinutes > 0)) throw errors.invalidParam('tokenMinutes must be a number of minutes > 0');
  const reset = source.reset === true || String(source.reset ?? '').toLowerCase() === 'true';
  return { patch, tokenMinutes, reset };
}
