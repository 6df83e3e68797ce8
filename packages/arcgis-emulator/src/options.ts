/** Options of `startEmulator` and of the `arcgis-emulator` command line. */
export interface EmulatorOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  kind?: 'online' | 'enterprise';
  /** 'demo' (default), 'empty', or a path to a JSON seed file. */
  seed?: string;
  /** Grows the demo organization for benchmarks (1 = the normal demo org). */
  scale?: number;
  latencyMs?: number;
  latencyJitterMs?: number;
  /** Probability (0..1) that a request fails with a random 500/502/503 or a reset connection. */
  faultRate?: number;
  /** Requests per minute before throttling (0 = no throttling). */
  throttleRpm?: number;
  /** Which requests the budget covers: all (default) or hosted feature services only (what ArcGIS Online documents). */
  throttleScope?: 'all' | 'features';
  /** Retry-After of throttled answers: seconds (default 1), or 'window' (until the budget has room again). */
  retryAfter?: number | 'window';
  /** Access-token lifetime in minutes (ArcGIS: 30 in the OAuth2 code flow). */
  tokenMinutes?: number;
  /** Keeps the organization's state in this folder across restarts. */
  stateDir?: string;
  /** IWA mode (enterprise only): every request must carry a valid `Negotiate` header checked against the keytab. */
  iwa?: boolean;
  keytab?: string;
  servicePrincipal?: string;
  /** Seed for everything random (ids, demo content). */
  randomSeed?: string;
  /** Silences the emulator's own diagnostic output (stderr). */
  quiet?: boolean;
  /**
   * Deleting the item of a hosted feature layer that has views: 'refuse' (default; Esri's ArcGIS Online and
   * Enterprise documentation: "you must delete the dependent layers before you can delete the primary item") or
   * 'cascade' (the views are deleted with it, as Esri's Velocity documentation describes for its layers).
   */
  deleteSourceWithViews?: 'refuse' | 'cascade';
  /**
   * ArcGIS Online's recycle bin, overriding the seed's (or the saved state's): 'enabled' (the default of organizations
   * created since June 2024, and of every seed unless it says otherwise), 'disabled' (an older organization that did
   * not opt in: deletes are permanent) or 'unsupported' (e.g. a trial organization). ArcGIS Enterprise has none.
   */
  recycleBin?: 'enabled' | 'disabled' | 'unsupported';
}

export type ResolvedOptions = Required<Omit<EmulatorOptions, 'stateDir' | 'keytab' | 'servicePrincipal' | 'recycleBin'>> &
  Pick<EmulatorOptions, 'stateDir' | 'keytab' | 'servicePrincipal' | 'recycleBin'>;

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const kind = options.kind ?? 'online';
  if (kind !== 'online' && kind !== 'enterprise') throw new Error(`--kind must be online or enterprise, not ${String(kind)}`);
  const resolved: ResolvedOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 7070,
    kind,
    seed: options.seed ?? 'demo',
    scale: options.scale ?? 1,
    latencyMs: options.latencyMs ?? 0,
    latencyJitterMs: options.latencyJitterMs ?? 0,
    faultRate: options.faultRate ?? 0,
    throttleRpm: options.throttleRpm ?? 0,
    throttleScope: options.throttleScope ?? 'all',
    retryAfter: options.retryAfter ?? 1,
    tokenMinutes: options.tokenMinutes ?? 30,
    stateDir: options.stateDir,
    iwa: options.iwa ?? false,
    keytab: options.keytab,
    servicePrincipal: options.servicePrincipal,
    randomSeed: options.randomSeed ?? 'orgkeeper-demo',
    quiet: options.quiet ?? false,
    deleteSourceWithViews: options.deleteSourceWithViews ?? 'refuse',
    recycleBin: options.recycleBin
  };
  if (resolved.recycleBin !== undefined) {
    if (!['enabled', 'disabled', 'unsupported'].includes(resolved.recycleBin)) {
      throw new Error(`--recycle-bin must be enabled, disabled or unsupported, not ${String(resolved.recycleBin)}`);
    }
    if (kind === 'enterprise') throw new Error('--recycle-bin is an ArcGIS Online feature; ArcGIS Enterprise has no recycle bin');
  }
  if (resolved.deleteSourceWithViews !== 'refuse' && resolved.deleteSourceWithViews !== 'cascade') {
    throw new Error(`--delete-source-with-views must be refuse or cascade, not ${String(resolved.deleteSourceWithViews)}`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new Error('--port must be 0..65535');
  if (!(resolved.scale >= 1)) throw new Error('--scale must be a number >= 1');
  if (!(resolved.faultRate >= 0 && resolved.faultRate <= 1)) throw new Error('--fault-rate must be between 0 and 1');
  if (!(resolved.latencyMs >= 0)) throw new Error('--latency-ms must be >= 0');
  if (!(resolved.throttleRpm >= 0)) throw new Error('--throttle-rpm must be >= 0');
  if (resolved.throttleScope !== 'all' && resolved.throttleScope !== 'features') throw new Error('--throttle-scope must be all or features');
  if (resolved.retryAfter !== 'window' && !(typeof resolved.retryAfter === 'number' && resolved.retryAfter >= 0)) throw new Error('--retry-after must be a number of seconds >= 0, or window');
  if (!(resolved.tokenMinutes > 0)) throw new Error('--token-minutes must be > 0');
  if (resolved.iwa && resolved.kind !== 'enterprise') throw new Error('--iwa needs --kind enterprise (IWA is an ArcGIS Enterprise feature)');
  if (resolved.iwa && !resolved.keytab) throw new Error('--iwa needs --keytab FILE (the HTTP service keytab)');
  return resolved;
}
