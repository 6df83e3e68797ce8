import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, databaseTarget, loadConfig, normalizePublicUrl, parseSecretKey, parseTrustProxy, usesHttps } from './config.js';
import { defaultWebDir } from './paths.js';

const cwd = '/srv/orgkeeper';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ env: {}, cwd });
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8500,
      dataDir: resolve(cwd, 'data'),
      publicUrl: 'http://localhost:8500',
      secretKey: null,
      logLevel: 'info',
      webDir: defaultWebDir,
      trustProxy: false,
      databaseUrl: null,
      runJobs: true,
      maxRunning: 3,
      staleAfterSeconds: 30,
      metricsToken: null,
      arcgisConcurrency: 32
    });
    expect(usesHttps(config)).toBe(false);
    expect(databaseTarget(config)).toEqual({ kind: 'sqlite', file: resolve(cwd, 'data', 'orgkeeper.db') });
  });

  it('reads ORGKEEPER_* variables and lets flags win over them', () => {
    const env = {
      ORGKEEPER_HOST: '0.0.0.0',
      ORGKEEPER_PORT: '9000',
      ORGKEEPER_DATA_DIR: '/var/lib/orgkeeper',
      ORGKEEPER_PUBLIC_URL: 'https://orgkeeper.example.org/',
      ORGKEEPER_LOG_LEVEL: 'DEBUG'
    };
    const fromEnv = loadConfig({ env, cwd });
    expect(fromEnv).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/var/lib/orgkeeper',
      publicUrl: 'https://orgkeeper.example.org',
      logLevel: 'debug'
    });
    expect(usesHttps(fromEnv)).toBe(true);

    const withFlags = loadConfig({ env, cwd, flags: { host: '::1', port: '8600', dataDir: 'mine', publicUrl: 'http://gis.local:8600/orgkeeper/' } });
    expect(withFlags).toMatchObject({
      host: '::1',
      port: 8600,
      dataDir: resolve(cwd, 'mine'),
      publicUrl: 'http://gis.local:8600/orgkeeper'
    });
  });

  it('treats empty environment variables as unset', () => {
    expect(loadConfig({ env: { ORGKEEPER_PORT: '' }, cwd }).port).toBe(8500);
  });

  it('accepts port 0 (pick a free port) and bracketed IPv6 hosts', () => {
    expect(loadConfig({ env: {}, cwd, flags: { port: '0', host: '[::]' } })).toMatchObject({ port: 0, host: '::' });
  });

  it.each([
    [{ port: 'abc' }, '--port "abc" is not a port number'],
    [{ port: '70000' }, '--port "70000" is not a port number'],
    [{ port: '-1' }, '--port "-1" is not a port number'],
    [{ port: '80.5' }, '--port "80.5" is not a port number'],
    [{ host: 'bad host!' }, '--host "bad host!" is not a host name or IP address'],
    [{ publicUrl: 'orgkeeper.example.org' }, '--public-url "orgkeeper.example.org" is not a full URL'],
    [{ publicUrl: 'ftp://example.org' }, 'must start with http:// or https://'],
    [{ publicUrl: 'https://example.org/?a=1' }, 'must not contain a query'],
    [{ publicUrl: 'https://user:pw@example.org' }, 'must not contain a user name or password'],
    [{ logLevel: 'loud' }, '--log-level "loud" is not a log level'],
    [{ trustProxy: 'maybe' }, '--trust-proxy "maybe" is not understood']
  ])('rejects %o with a clear message', (flags, message) => {
    expect(() => loadConfig({ env: {}, cwd, flags })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, cwd, flags })).toThrow(message);
  });

  it('names the environment variable when the bad value came from one', () => {
    expect(() => loadConfig({ env: { ORGKEEPER_PORT: 'eighty' }, cwd })).toThrow('ORGKEEPER_PORT "eighty" is not a port number');
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ env: {}, cwd, flags: { port: 'x', host: '!', logLevel: 'y' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(3);
      expect((error as Error).message).toMatch(/^Invalid configuration:\n {2}- /);
    }
  });

  it('reads ORGKEEPER_SECRET_KEY as hex or base64 and never echoes a bad one', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ env: { ORGKEEPER_SECRET_KEY: key.toString('hex') }, cwd }).secretKey).toEqual(key);
    expect(loadConfig({ env: { ORGKEEPER_SECRET_KEY: key.toString('base64') }, cwd }).secretKey).toEqual(key);
    const bad = 'not-a-key-but-a-secret-value';
    try {
      loadConfig({ env: { ORGKEEPER_SECRET_KEY: bad }, cwd });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('ORGKEEPER_SECRET_KEY must be 32 bytes');
      expect((error as Error).message).not.toContain(bad);
    }
  });

  it('reads ORGKEEPER_METRICS_TOKEN and never echoes a bad one', () => {
    expect(loadConfig({ env: { ORGKEEPER_METRICS_TOKEN: 'a-long-enough-token-42' }, cwd }).metricsToken).toBe('a-long-enough-token-42');
    for (const bad of ['too-short', 'has spaces in the middle of it']) {
      try {
        loadConfig({ env: { ORGKEEPER_METRICS_TOKEN: bad }, cwd });
        expect.unreachable();
      } catch (error) {
        expect((error as Error).message).toContain('ORGKEEPER_METRICS_TOKEN must be 16 to 500 printable characters');
        expect((error as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('database URL', () => {
  const url = 'postgres://orgkeeper:s%40cret@db.example.org:5432/orgkeeper';

  it('reads the ArcGIS concurrency ceiling from --arcgis-concurrency or ORGKEEPER_ARCGIS_CONCURRENCY and refuses nonsense', () => {
    expect(loadConfig({ env: { ORGKEEPER_ARCGIS_CONCURRENCY: '12' }, cwd }).arcgisConcurrency).toBe(12);
    expect(loadConfig({ env: { ORGKEEPER_ARCGIS_CONCURRENCY: '12' }, cwd, flags: { arcgisConcurrency: '4' } }).arcgisConcurrency).toBe(4);
    for (const bad of ['0', '65', '2.5', 'many', '-3', '1e1']) {
      expect(() => loadConfig({ env: {}, cwd, flags: { arcgisConcurrency: bad } })).toThrow(
        new RegExp(`--arcgis-concurrency "${bad.replace('.', '\\.')}" is not a request count; use a whole number from 1 to 64`)
      );
    }
    expect(() => loadConfig({ env: { ORGKEEPER_ARCGIS_CONCURRENCY: '100' }, cwd })).toThrow(/ORGKEEPER_ARCGIS_CONCURRENCY "100"/);
  });

  it('selects PostgreSQL from --database-url or ORGKEEPER_DATABASE_URL, the flag winning', () => {
    const fromEnv = loadConfig({ env: { ORGKEEPER_DATABASE_URL: url }, cwd });
    expect(databaseTarget(fromEnv)).toEqual({ kind: 'postgres', url });
    const other = 'postgresql://ok@127.0.0.1/other?sslmode=require';
    expect(loadConfig({ env: { ORGKEEPER_DATABASE_URL: url }, cwd, flags: { databaseUrl: other } }).databaseUrl).toBe(other);
    // A unix socket folder instead of a host name.
    expect(loadConfig({ env: {}, cwd, flags: { databaseUrl: 'postgres:///orgkeeper?host=/var/run/postgresql' } }).databaseUrl).toContain('host=');
  });

  it.each([
    ['mysql://u:topsecret@db/x', 'must start with postgres://'],
    ['db.example.org/orgkeeper', 'is not a URL'],
    ['postgres://u:topsecret@db.example.org:5432/', 'names no database'],
    ['postgres:///orgkeeper', 'names no server'],
    ['   ', 'is empty']
  ])('rejects %s with a clear message that never shows the password', (value, message) => {
    try {
      loadConfig({ env: {}, cwd, flags: { databaseUrl: value } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`--database-url ${message}`);
      expect((error as Error).message).not.toContain('topsecret');
    }
  });
});

describe('workers', () => {
  it('runs jobs unless --no-worker or ORGKEEPER_NO_WORKER says not, with its limits from flags or the environment', () => {
    expect(loadConfig({ env: {}, cwd, flags: { noWorker: true } }).runJobs).toBe(false);
    expect(loadConfig({ env: { ORGKEEPER_NO_WORKER: 'true' }, cwd }).runJobs).toBe(false);
    expect(loadConfig({ env: { ORGKEEPER_NO_WORKER: 'false' }, cwd }).runJobs).toBe(true);
    const env = { ORGKEEPER_MAX_RUNNING: '8', ORGKEEPER_STALE_AFTER: '120' };
    expect(loadConfig({ env, cwd })).toMatchObject({ maxRunning: 8, staleAfterSeconds: 120 });
    expect(loadConfig({ env, cwd, flags: { maxRunning: '1', staleAfter: '10' } })).toMatchObject({ maxRunning: 1, staleAfterSeconds: 10 });
  });

  it.each([
    [{ maxRunning: '0' }, '--max-running "0" is not a whole number from 1 to 64'],
    [{ maxRunning: '2.5' }, '--max-running "2.5" is not a whole number from 1 to 64'],
    [{ staleAfter: '1' }, '--stale-after "1" is not a whole number from 2 to 3600'],
    [{ staleAfter: 'a minute' }, '--stale-after "a minute" is not a whole number from 2 to 3600']
  ])('rejects %o: %s', (flags, message) => {
    expect(() => loadConfig({ env: {}, cwd, flags })).toThrow(message);
  });

  it('rejects an ORGKEEPER_NO_WORKER it does not understand', () => {
    expect(() => loadConfig({ env: { ORGKEEPER_NO_WORKER: 'maybe' }, cwd })).toThrow('ORGKEEPER_NO_WORKER "maybe" is not understood; use true or false.');
  });
});

describe('parseSecretKey', () => {
  it('accepts exactly 32 bytes', () => {
    expect(parseSecretKey(Buffer.alloc(32, 1).toString('base64url'))).toEqual(Buffer.alloc(32, 1));
    expect(parseSecretKey(`${'ab'.repeat(32)}\n`)).toEqual(Buffer.alloc(32, 0xab));
    expect(parseSecretKey(Buffer.alloc(31).toString('base64'))).toBeNull();
    expect(parseSecretKey('ab'.repeat(31))).toBeNull();
    expect(parseSecretKey('')).toBeNull();
  });
});

describe('normalizePublicUrl', () => {
  it('keeps origin and path, without trailing slashes', () => {
    expect(normalizePublicUrl('HTTPS://Example.org:443/')).toBe('https://example.org');
    expect(normalizePublicUrl(' http://host:8500/tools/orgkeeper// ')).toBe('http://host:8500/tools/orgkeeper');
  });
});

describe('parseTrustProxy', () => {
  it('understands booleans, hop counts and address lists', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('10.0.0.5, 10.1.0.0/16,::1')).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    expect(parseTrustProxy('10.0.0.0/33')).toBeNull();
    expect(parseTrustProxy('proxy.local')).toBeNull();
  });
});
