import { parseArgs } from 'node:util';
import { type EmulatorOptions } from './options.js';
import { startEmulator } from './server.js';

const USAGE = `Usage: arcgis-emulator [options]

Starts an emulated ArcGIS organization (portal, OAuth2, hosted feature services) over HTTP.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port N               port (default 7070; 0 picks a free one)
  --kind online|enterprise
                         ArcGIS Online (portal at /) or ArcGIS Enterprise (portal at /portal, server at /server)
  --seed demo|empty|FILE.json
                         the organization to start with (default demo)
  --scale N              grows the organization for benchmarks (default 1; 10: ~5,000 items, 50 layers,
                         500,000 features; 20: ~10,000 items, 2,000 users; see src/seed/SEED-FORMAT.md)
  --latency-ms N         latency added to every request
  --latency-jitter-ms N  random extra latency, uniform in [0, N)
  --fault-rate F         share of requests (0..1) that fail with 500/502/503 or a reset connection
  --throttle-rpm N       requests per minute before answering 429
  --throttle-scope S     all (default) or features: only hosted feature service requests count and are refused
  --retry-after N|window Retry-After of throttled answers: seconds (default 1), or window: until the budget has room
  --token-minutes N      access-token lifetime in minutes (default 30)
  --state-dir DIR        keep the organization's state in DIR across restarts
  --iwa                  (enterprise) require HTTP Negotiate (Kerberos) on every request
  --keytab FILE          (with --iwa) the keytab of the HTTP service principal
  --service-principal P  (with --iwa) e.g. HTTP@localhost
  --random-seed S        seed for ids and demo content
  --delete-source-with-views refuse|cascade
                         deleting a hosted feature layer that has views: refused until its views are deleted (default,
                         as Esri's documentation says), or deletes the views too
  --recycle-bin enabled|disabled|unsupported
                         (online) the organization's recycle bin, overriding the seed's: on (the default, as for
                         organizations created since June 2024), off (an older organization: deletes are permanent),
                         or not supported (a trial organization)
  --quiet                no diagnostics on stderr
  -h, --help             this help

When ready it prints one line of JSON: {"portalUrl","restUrl","orgId","admin":{"username","password"},"appId"}.
Faults can be changed at runtime: POST <origin>/__emulator/faults (see the README).`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      kind: { type: 'string' },
      seed: { type: 'string' },
      scale: { type: 'string' },
      'latency-ms': { type: 'string' },
      'latency-jitter-ms': { type: 'string' },
      'fault-rate': { type: 'string' },
      'throttle-rpm': { type: 'string' },
      'throttle-scope': { type: 'string' },
      'retry-after': { type: 'string' },
      'token-minutes': { type: 'string' },
      'state-dir': { type: 'string' },
      iwa: { type: 'boolean' },
      keytab: { type: 'string' },
      'service-principal': { type: 'string' },
      'random-seed': { type: 'string' },
      'delete-source-with-views': { type: 'string' },
      'recycle-bin': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const num = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, not "${value}"`);
    return n;
  };
  const options: EmulatorOptions = {
    host: values.host,
    port: num('port', values.port),
    kind: values.kind as EmulatorOptions['kind'],
    seed: values.seed,
    scale: num('scale', values.scale),
    latencyMs: num('latency-ms', values['latency-ms']),
    latencyJitterMs: num('latency-jitter-ms', values['latency-jitter-ms']),
    faultRate: num('fault-rate', values['fault-rate']),
    throttleRpm: num('throttle-rpm', values['throttle-rpm']),
    throttleScope: values['throttle-scope'] as EmulatorOptions['throttleScope'],
    retryAfter: values['retry-after'] === 'window' ? 'window' : num('retry-after', values['retry-after']),
    tokenMinutes: num('token-minutes', values['token-minutes']),
    stateDir: values['state-dir'],
    iwa: values.iwa,
    keytab: values.keytab,
    servicePrincipal: values['service-principal'],
    randomSeed: values['random-seed'],
    deleteSourceWithViews: values['delete-source-with-views'] as EmulatorOptions['deleteSourceWithViews'],
    recycleBin: values['recycle-bin'] as EmulatorOptions['recycleBin'],
    quiet: values.quiet
  };
  const handle = await startEmulator(options);
  process.stdout.write(
    `${JSON.stringify({
      portalUrl: handle.portalUrl,
      restUrl: handle.restUrl,
      orgId: handle.orgId,
      admin: handle.admin,
      appId: handle.appId
    })}\n`
  );
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    // Saving a large --state-dir can take a moment; a shutdown that hangs must still end the process.
    setTimeout(() => {
      process.stderr.write('arcgis-emulator: shutdown took longer than 30 s; exiting without waiting further\n');
      process.exit(1);
    }, 30_000).unref();
    handle.close().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
