import { type EmulatorContext } from '../context.js';
import { type FaultSettings } from '../faults/fault-controller.js';
import { errors } from '../errors.js';
import { type Router } from '../router.js';

/**
 * Emulator-only endpoints under `/__emulator/` (never part of ArcGIS): faults, the request log, the clock.
 * They take and give JSON (POST bodies as form fields or a `json` field).
 */
export function registerControlRoutes(router: Router, emu: EmulatorContext, prefix: string): void {
  const opts = { auth: 'ignore' as const };
  router.get(`${prefix}/faults`, () => emu.faults.settings, opts);
  router.post(
    `${prefix}/faults`,
    (ctx) => {
      const patch = parsePatch(ctx.req.params);
      return emu.faults.update(patch);
    },
    opts
  );
  router.get(`${prefix}/requests`, () => emu.requestLog.snapshot(), opts);
  router.post(
    `${prefix}/requests/reset`,
    () => {
      emu.requestLog.reset();
      return { success: true };
    },
    opts
  );
  router.get(`${prefix}/clock`, () => ({ now: emu.clock.now(), offsetMs: emu.clock.offsetMs }), opts);
  router.post(
    `${prefix}/clock`,
    (ctx) => {
      const advance = Number(ctx.req.params.advanceMs ?? 0);
      if (!Number.isFinite(advance)) throw errors.invalidParam('advanceMs must be a number of milliseconds');
      emu.clock.offsetMs += advance;
      return { now: emu.clock.now(), offsetMs: emu.clock.offsetMs };
    },
    opts
  );
  router.get(`${prefix}/health`, () => ({ ok: true, kind: emu.options.kind, orgId: emu.state.org.id }), opts);
}

const NUMERIC: (keyof FaultSettings)[] = ['latencyMs', 'latencyJitterMs', 'errorRate', 'resetRate', 'throttleRpm', 'retryAfterSeconds'];

function parsePatch(params: Record<string, string>): Partial<FaultSettings> {
  const source: Record<string, unknown> = params.json ? (JSON.parse(params.json) as Record<string, unknown>) : params;
  const patch: Partial<FaultSettings> = {};
  for (const key of NUMERIC) {
    if (source[key] === undefined) continue;
    const n = Number(source[key]);
    if (!Number.isFinite(n) || n < 0) throw errors.invalidParam(`${key} must be a number >= 0`);
    (patch as Record<string, number>)[key] = n;
  }
  if (source.throttleStyle !== undefined) {
    const style = String(source.throttleStyle);
    if (style !== 'http' && style !== 'body' && style !== 'mixed') throw errors.invalidParam('throttleStyle must be http, body or mixed');
    patch.throttleStyle = style;
  }
  if (source.pathFilter !== undefined) {
    const v = source.pathFilter;
    patch.pathFilter = Array.isArray(v) ? v.map(String) : String(v).split(',').filter(Boolean);
  }
  return patch;
}
