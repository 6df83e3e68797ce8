import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { DEFAULT_ARCGIS_CONCURRENCY_CEILING, MAX_ARCGIS_CONCURRENCY } from '../arcgis/adaptive-limiter.js';
import type { DatabaseTarget } from '../db/database.js';
import { defaultWebDir } from './paths.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8500;
export const DEFAULT_DATA_DIR = './data';
export const DEFAULT_PUBLIC_URL = 'http://localhost:8500';

/** Values given on the command line; each wins over its environment variable. */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | undefined;
  dataDir?: string | undefined;
  publicUrl?: string | undefined;
  webDir?: string | undefined;
  logLevel?: string | undefined;
  trustProxy?: string | undefined;
  databaseUrl?: string | undefined;
  /** `serve --no-worker`: serve the web app and the API, run no queued operation. */
  noWorker?: boolean | undefined;
  maxRunning?: string | undefined;
  staleAfter?: string | undefined;
  arcgisConcurrency?: string | undefined;
}

export interface Config {
  host: string;
  port: number;
  /** Absolute path of the data directory. */
  dataDir: string;
  /** The URL users reach OrgKeeper at, without a trailing slash (e.g. `https://orgkeeper.example.org`). */
  publicUrl: string;
  /** The master key from ORGKEEPER_SECRET_KEY, or null to use `<dataDir>/master.key`. */
  secretKey: Buffer | null;
  logLevel: LogLevel;
  /** Absolute path of the built web app. */
  webDir: string;
  /**
   * Whether X-Forwarded-For/-Proto from a reverse proxy are believed (for client IPs in login
   * throttling and the audit log): false, true, a hop count, or the proxies' addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /**
   * The PostgreSQL database (a postgres:// URL, which may hold a password: never print it as is), or null for the
   * SQLite file in the data directory.
   */
  databaseUrl: string | null;
  /** Whether this process runs queued operations (a server unless --no-worker / ORGKEEPER_NO_WORKER). */
  runJobs: boolean;
  /** Operations this process runs at once. */
  maxRunning: number;
  /** Seconds a worker may stay silent before its operations are taken over by the others. */
  staleAfterSeconds: number;
  /**
   * A token Prometheus may send for /metrics (ORGKEEPER_METRICS_TOKEN), besides the one an administrator makes in
   * OrgKeeper (`orgkeeper metrics token new`, stored as a hash); null: only that one.
   */
  metricsToken: string | null;
  /**
   * Most ArcGIS requests in flight at once per identity (the ceiling of the adaptive limiter, which finds the speed
   * the organization allows below it).
   */
  arcgisConcurrency: number;
}

export const DEFAULT_MAX_RUNNING = 3;
export const DEFAULT_STALE_AFTER_SECONDS = 30;

/** Bad configuration: the message lists every problem and what to do about it. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? (problems[0] as string) : `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  flags?: ConfigFlags;
  env?: Record<string, string | undefined>;
  /** Relative paths resolve against this directory (default: process.cwd()). */
  cwd?: string;
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Reads flags and ORGKEEPER_* environment variables (flags win) into a validated Config. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const flags = options.flags ?? {};
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const pick = (flag: string | undefined, name: string): { value: string; source: string } | undefined => {
    if (flag !== undefined) return { value: flag, source: `--${kebab(name)}` };
    const fromEnv = env[`ORGKEEPER_${name}`];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `ORGKEEPER_${name}` };
    return undefined;
  };

  let host = DEFAULT_HOST;
  const hostIn = pick(flags.host, 'HOST');
  if (hostIn) {
    const value = hostIn.value.trim();
    const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
    if (isIP(bare) !== 0 || HOSTNAME.test(bare)) host = bare;
    else problems.push(`${hostIn.source} "${hostIn.value}" is not a host name or IP address; use e.g. 127.0.0.1, 0.0.0.0 or ::.`);
  }

  let port = DEFAULT_PORT;
  const portIn = pick(flags.port, 'PORT');
  if (portIn) {
    const value = portIn.value.trim();
    const parsed = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    if (Number.isInteger(parsed) && parsed >= 0 && parsed <= 65535) port = parsed;
    else problems.push(`${portIn.source} "${portIn.value}" is not a port number; use a whole number from 1 to 65535 (0 picks a free port).`);
  }

  const dataDirIn = pick(flags.dataDir, 'DATA_DIR');
  const dataDir = resolve(cwd, dataDirIn ? dataDirIn.value : DEFAULT_DATA_DIR);
  if (dataDirIn && dataDirIn.value.trim() === '') problems.push(`${dataDirIn.source} is empty; give the folder that holds OrgKeeper's database and key.`);

  let publicUrl = DEFAULT_PUBLIC_URL;
  const publicUrlIn = pick(flags.publicUrl, 'PUBLIC_URL');
  if (publicUrlIn) {
    const normalized = normalizePublicUrl(publicUrlIn.value);
    if (typeof normalized === 'string') publicUrl = normalized;
    else problems.push(`${publicUrlIn.source} "${publicUrlIn.value}" ${normalized.problem}`);
  }

  let logLevel: LogLevel = 'info';
  const logLevelIn = pick(flags.logLevel, 'LOG_LEVEL');
  if (logLevelIn) {
    const value = logLevelIn.value.trim().toLowerCase();
    if ((LOG_LEVELS as readonly string[]).includes(value)) logLevel = value as LogLevel;
    else problems.push(`${logLevelIn.source} "${logLevelIn.value}" is not a log level; use one of ${LOG_LEVELS.join(', ')}.`);
  }

  let secretKey: Buffer | null = null;
  const secretIn = env.ORGKEEPER_SECRET_KEY;
  if (secretIn !== undefined && secretIn !== '') {
    const key = parseSecretKey(secretIn);
    // Never echo the value: it is the key to every stored credential.
    if (key) secretKey = key;
    else problems.push('ORGKEEPER_SECRET_KEY must be 32 bytes written as 64 hex digits or as base64 (44 characters); generate one with `openssl rand -base64 32`.');
  }

  const webDirIn = pick(flags.webDir, 'WEB_DIR');
  const webDir = webDirIn ? resolve(cwd, webDirIn.value) : defaultWebDir;

  let trustProxy: boolean | number | string[] = false;
  const trustProxyIn = pick(flags.trustProxy, 'TRUST_PROXY');
  if (trustProxyIn) {
    const parsed = parseTrustProxy(trustProxyIn.value);
    if (parsed === null) {
      problems.push(
        `${trustProxyIn.source} "${trustProxyIn.value}" is not understood; use true, false, a number of proxy hops, ` +
          'or a comma-separated list of proxy addresses (e.g. 10.0.0.5,10.1.0.0/16).'
      );
    } else trustProxy = parsed;
  }

  let databaseUrl: string | null = null;
  const databaseUrlIn = pick(flags.databaseUrl, 'DATABASE_URL');
  if (databaseUrlIn) {
    const problem = checkDatabaseUrl(databaseUrlIn.value);
    // Never echo the value: it may hold the database password.
    if (problem) problems.push(`${databaseUrlIn.source} ${problem}`);
    else databaseUrl = databaseUrlIn.value.trim();
  }

  let runJobs = true;
  const noWorkerIn = flags.noWorker === true ? { value: 'true', source: '--no-worker' } : pick(undefined, 'NO_WORKER');
  if (noWorkerIn) {
    const value = noWorkerIn.value.trim().toLowerCase();
    if (['1', 'true', 'yes'].includes(value)) runJobs = false;
    else if (!['0', 'false', 'no'].includes(value)) problems.push(`${noWorkerIn.source} "${noWorkerIn.value}" is not understood; use true or false.`);
  }

  const maxRunning = wholeNumber(pick(flags.maxRunning, 'MAX_RUNNING'), DEFAULT_MAX_RUNNING, { min: 1, max: 64, what: 'operations run at once by this process' }, problems);
  const staleAfterSeconds = wholeNumber(
    pick(flags.staleAfter, 'STALE_AFTER'),
    DEFAULT_STALE_AFTER_SECONDS,
    { min: 2, max: 3600, what: 'seconds a silent worker is given before its operations are taken over' },
    problems
  );

  let metricsToken: string | null = null;
  const metricsTokenIn = env.ORGKEEPER_METRICS_TOKEN;
  if (metricsTokenIn !== undefined && metricsTokenIn !== '') {
    // Never echo the value: it is a credential.
    if (/^[\x21-\x7e]{16,500}$/.test(metricsTokenIn)) metricsToken = metricsTokenIn;
    else problems.push('ORGKEEPER_METRICS_TOKEN must be 16 to 500 printable characters without spaces; generate one with `openssl rand -base64 32`.');
  }

  let arcgisConcurrency = DEFAULT_ARCGIS_CONCURRENCY_CEILING;
  const concurrencyIn = pick(flags.arcgisConcurrency, 'ARCGIS_CONCURRENCY');
  if (concurrencyIn) {
    const value = concurrencyIn.value.trim();
    const parsed = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
    if (Number.isInteger(parsed) && parsed >= 1 && parsed <= MAX_ARCGIS_CONCURRENCY) arcgisConcurrency = parsed;
    else {
      problems.push(
        `${concurrencyIn.source} "${concurrencyIn.value}" is not a request count; use a whole number from 1 to ${MAX_ARCGIS_CONCURRENCY} ` +
          `(the most ArcGIS requests in flight at once per identity; default ${DEFAULT_ARCGIS_CONCURRENCY_CEILING}).`
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { host, port, dataDir, publicUrl, secretKey, logLevel, webDir, trustProxy, databaseUrl, runJobs, maxRunning, staleAfterSeconds, metricsToken, arcgisConcurrency };
}

/** A whole number in a range, or the default; a problem naming where it came from when it is not. */
function wholeNumber(input: { value: string; source: string } | undefined, fallback: number, range: { min: number; max: number; what: string }, problems: string[]): number {
  if (!input) return fallback;
  const value = input.value.trim();
  const parsed = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(parsed) && parsed >= range.min && parsed <= range.max) return parsed;
  problems.push(`${input.source} "${input.value}" is not a whole number from ${range.min} to ${range.max} (${range.what}).`);
  return fallback;
}

/** Accepts http(s) URLs without query or fragment; drops a trailing slash. */
export function normalizePublicUrl(input: string): string | { problem: string } {
  const notFull = { problem: 'is not a full URL; give the address users open OrgKeeper at, with http:// or https://, e.g. https://orgkeeper.example.org.' };
  // `localhost:8500` would otherwise parse as a URL with the scheme "localhost:".
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(input.trim())) return notFull;
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return notFull;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { problem: 'must start with http:// or https://.' };
  }
  if (url.username || url.password) return { problem: 'must not contain a user name or password.' };
  if (url.search || url.hash) return { problem: 'must not contain a query (?...) or fragment (#...).' };
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

const DATABASE_URL_EXAMPLE = 'postgres://orgkeeper:PASSWORD@db.example.org:5432/orgkeeper';

/** Why a --database-url is not usable, or null when it is a PostgreSQL URL naming a server and a database. */
export function checkDatabaseUrl(input: string): string | null {
  const value = input.trim();
  if (value === '') return `is empty; leave it out for the SQLite database in the data directory, or give e.g. ${DATABASE_URL_EXAMPLE}.`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL; give a PostgreSQL URL such as ${DATABASE_URL_EXAMPLE} (percent-encode special characters in the password).`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgres:// (PostgreSQL is the only database server OrgKeeper uses; without the option it keeps a SQLite file in the data directory), e.g. ${DATABASE_URL_EXAMPLE}.`;
  }
  if (!url.hostname && !url.searchParams.get('host')) return `names no server; give its host name, e.g. ${DATABASE_URL_EXAMPLE}.`;
  if (url.pathname.replace(/^\//, '') === '') return `names no database; add its name after the server, e.g. ${DATABASE_URL_EXAMPLE}.`;
  return null;
}

export function parseTrustProxy(input: string): boolean | number | string[] | null {
  const value = input.trim().toLowerCase();
  if (value === 'true' || value === 'yes') return true;
  if (value === 'false' || value === 'no') return false;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const entries = value.split(',').map((part) => part.trim()).filter(Boolean);
  const valid = entries.every((entry) => {
    const [address, bits, extra] = entry.split('/');
    if (extra !== undefined || !address || isIP(address) === 0) return false;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128));
  });
  return entries.length > 0 && valid ? entries : null;
}

/** The master key from its hex or base64 form, or null when it is not exactly 32 bytes. */
export function parseSecretKey(input: string): Buffer | null {
  const value = input.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return key.length === 32 ? key : null;
  }
  return null;
}

export const databaseFile = (config: Pick<Config, 'dataDir'>): string => join(config.dataDir, 'orgkeeper.db');
/** The configured database: PostgreSQL when a URL is given, else the SQLite file in the data directory. */
export const databaseTarget = (config: Pick<Config, 'dataDir' | 'databaseUrl'>): DatabaseTarget =>
  config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'sqlite', file: databaseFile(config) };
export const masterKeyFile = (config: Pick<Config, 'dataDir'>): string => join(config.dataDir, 'master.key');
/** Cookies get `Secure` when users reach OrgKeeper over https. */
export const usesHttps = (config: Pick<Config, 'publicUrl'>): boolean => config.publicUrl.startsWith('https:');
export const publicOrigin = (config: Pick<Config, 'publicUrl'>): string => new URL(config.publicUrl).origin;

function kebab(envName: string): string {
  return envName.toLowerCase().replace(/_/g, '-');
}
