import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { registerAuthRoutes } from './auth/auth.routes.js';
import { createIwaAuthenticator, type IwaAuthenticator } from './auth/iwa.js';
import { resolveToken } from './auth/tokens.js';
import { registerContentRoutes } from './content/content.routes.js';
import { purgeExpired, setRecycleBinMode } from './content/recycle-bin.js';
import { type Clock, computeUrls, type Ctx, type EmulatorContext } from './context.js';
import { ArcGISError, errors } from './errors.js';
import { registerControlRoutes } from './faults/control.routes.js';
import { FaultController } from './faults/fault-controller.js';
import { RequestLog } from './faults/request-log.js';
import { registerFeatureServiceRoutes } from './features/feature-service.routes.js';
import { parseRequest } from './http/request.js';
import { escapeHtml, isReply, type Reply } from './http/reply.js';
import { type EmulatorOptions, resolveOptions } from './options.js';
import { registerPortalRoutes } from './portal/portal.routes.js';
import { Router } from './router.js';
import { registerSearchRoutes } from './search/search.routes.js';
import { buildInitialState, type SeedResult } from './seed/seed.js';
import { StatePersistence } from './seed/persistence.js';

export interface EmulatorHandle {
  portalUrl: string;
  restUrl: string;
  /** Root of the hosting server (federated server for Enterprise). */
  serverUrl: string;
  servicesRoot: string;
  orgId: string;
  admin: { username: string; password: string };
  /** Client ID of the registered application. */
  appId: string;
  kind: 'online' | 'enterprise';
  /** Live access to the emulator's state, faults, request log and clock. */
  context: EmulatorContext;
  /** Changes faults at runtime (same as POST /__emulator/faults). */
  faults: FaultController;
  requestLog: RequestLog;
  close(): Promise<void>;
}

const CONTROL_PREFIX = '/__emulator';

export async function startEmulator(input: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const options = resolveOptions(input);
  const clock: Clock = {
    offsetMs: 0,
    now() {
      return Date.now() + this.offsetMs;
    }
  };
  const faults = new FaultController(
    {
      latencyMs: options.latencyMs,
      latencyJitterMs: options.latencyJitterMs,
      errorRate: options.faultRate * 0.7,
      resetRate: options.faultRate * 0.3,
      throttleRpm: options.throttleRpm,
      throttleScope: options.throttleScope,
      ...(options.retryAfter === 'window' ? { retryAfterMode: 'window' as const } : { retryAfterSeconds: options.retryAfter })
    },
    `${options.randomSeed}:faults`
  );
  const requestLog = new RequestLog();
  const persistence = options.stateDir ? new StatePersistence(options.stateDir) : undefined;

  const server = createServer();
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const origin = `http://${hostForUrl.includes(':') ? `[${hostForUrl}]` : hostForUrl}:${address.port}`;

  let seeded: SeedResult;
  try {
    // One clock reading for both, so a state dir can regenerate exactly what this seed builds (lazy layers).
    const seedNow = clock.now();
    seeded = (await persistence?.load(options, origin, seedNow)) ?? (await buildInitialState(options, origin, seedNow));
  } catch (error) {
    server.close();
    throw error;
  }
  const emu: EmulatorContext = {
    options,
    state: seeded.state,
    urls: computeUrls(options.kind, origin, seeded.state.org.id),
    faults,
    requestLog,
    clock,
    markDirty: () => persistence?.markDirty()
  };
  persistence?.attach(emu);
  if (options.recycleBin) setRecycleBinMode(emu, options.recycleBin);

  const router = new Router();
  registerControlRoutes(router, emu, CONTROL_PREFIX);
  registerAuthRoutes(router, emu);
  registerPortalRoutes(router, emu);
  registerSearchRoutes(router, emu);
  registerContentRoutes(router, emu);
  registerFeatureServiceRoutes(router, emu);

  const iwa: IwaAuthenticator | undefined = options.iwa ? await createIwaAuthenticator(options, emu) : undefined;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, { emu, router, iwa, origin, options: { quiet: options.quiet } });
  });

  return {
    portalUrl: emu.urls.portalUrl,
    restUrl: emu.urls.restUrl,
    serverUrl: emu.urls.serverUrl,
    servicesRoot: emu.urls.servicesRoot,
    orgId: emu.state.org.id,
    admin: { username: seeded.admin.username, password: seeded.admin.password },
    appId: seeded.appId,
    kind: options.kind,
    context: emu,
    faults,
    requestLog,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await persistence?.flush();
    }
  };
}

interface HandleDeps {
  emu: EmulatorContext;
  router: Router;
  iwa: IwaAuthenticator | undefined;
  origin: string;
  options: { quiet: boolean };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HandleDeps): Promise<void> {
  const { emu, router } = deps;
  const started = Date.now();
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const isControl = path.startsWith(CONTROL_PREFIX);
  let endpoint = 'unmatched';
  let faultName: string | null = null;
  const finish = (status: number) =>
    emu.requestLog.record({
      time: started,
      method: req.method ?? 'GET',
      path,
      endpoint,
      status,
      fault: faultName,
      durationMs: Date.now() - started
    });

  try {
    // The recycle bin empties itself by the emulator's clock: what has been there 336 hours is gone before any answer.
    purgeExpired(emu);
    const preMatch = router.match((req.method ?? 'GET').toUpperCase(), path);
    if (preMatch && 'route' in preMatch) endpoint = preMatch.route.name;

    if (!isControl) {
      const latency = emu.faults.latencyFor();
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const action = emu.faults.decide(path, emu.clock.now());
      if (action.kind === 'throttle') {
        faultName = 'throttle';
        const headers = { 'Retry-After': String(action.retryAfterSeconds) };
        const body = { error: { code: 429, message: 'Too many requests. Please try again later.', details: [] } };
        send(res, action.style === 'http' ? 429 : 200, 'application/json; charset=utf-8', JSON.stringify(body), headers);
        finish(action.style === 'http' ? 429 : 200);
        return;
      }
      if (action.kind === 'error') {
        faultName = `error-${action.status}`;
        await drain(req);
        if (action.style === 'http') {
          send(res, action.status, 'text/html; charset=utf-8', `<html><body><h1>${action.status} Server Error</h1></body></html>`);
        } else {
          const body = { error: { code: action.status, message: 'Unable to complete operation.', details: [] } };
          send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));
        }
        finish(action.status);
        return;
      }
      if (action.kind === 'reset') faultName = 'reset';
    }

    let principal: string | null = null;
    if (deps.iwa && !isControl) {
      const outcome = await deps.iwa.authenticate(req);
      if (outcome.kind === 'challenge') {
        await drain(req);
        send(res, 401, 'text/html; charset=utf-8', '<html><body><h1>401 - Unauthorized</h1></body></html>', outcome.headers);
        finish(401);
        return;
      }
      principal = outcome.principal;
      if (outcome.headers) for (const [k, v] of Object.entries(outcome.headers)) res.setHeader(k, v);
    }

    const request = await parseRequest(req, deps.origin);
    const match = preMatch;
    if (!match) throw notFoundFor(path, emu);
    if ('methodMismatch' in match) {
      throw new ArcGISError(405, 'Method not supported.', { details: ['This operation is only supported via POST.'] });
    }
    const { route, params } = match;
    const ctx: Ctx = { req: request, params, emu, user: null, token: null, principal };
    if (route.options.auth !== 'ignore') {
      const resolved = resolveToken(emu, request.token);
      if (resolved === 'invalid') throw errors.invalidToken();
      if (resolved) {
        ctx.user = resolved.user;
        ctx.token = resolved.token;
      }
    }
    if (!ctx.user && principal && deps.iwa) ctx.user = deps.iwa.userFor(principal);
    const result = await route.handler(ctx);
    const out: Reply = isReply(result) ? result : { kind: 'json', body: result };
    const status = writeReply(res, out, request.params.f, faultName === 'reset');
    finish(status);
  } catch (error) {
    const arcgis = error instanceof ArcGISError ? error : toArcGISError(error, deps.options.quiet);
    const status = arcgis.httpStatus;
    if (!res.headersSent) {
      send(res, status, 'application/json; charset=utf-8', JSON.stringify(arcgis.toBody()), arcgis.headers);
    } else {
      res.destroy();
    }
    finish(status);
  }
}

function toArcGISError(error: unknown, quiet: boolean): ArcGISError {
  if (error instanceof SyntaxError) return errors.invalidParam('Unable to parse JSON.', [error.message]);
  if (!quiet) process.stderr.write(`arcgis-emulator: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return errors.internal();
}

function notFoundFor(path: string, emu: EmulatorContext): ArcGISError {
  const { paths } = emu.urls;
  if (path.startsWith(paths.rest)) return new ArcGISError(400, 'Invalid URL', { messageCode: 'GWM_0002', details: ['Invalid URL'] });
  if (path.startsWith(paths.server)) return new ArcGISError(404, 'Requested resource not found.', { details: [] });
  return new ArcGISError(404, 'Not Found', { httpStatus: 404 });
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard the body so the connection can be reused
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(body);
}

/** Writes a reply; with `reset`, writes half of the body and destroys the socket (a dropped connection). */
function writeReply(res: ServerResponse, out: Reply, f: string | undefined, reset: boolean): number {
  const status = out.status ?? (out.kind === 'redirect' ? 302 : 200);
  if (out.headers) for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v);
  if (out.kind === 'redirect') {
    res.statusCode = status;
    res.setHeader('Location', out.location);
    res.setHeader('Content-Length', 0);
    res.end();
    return status;
  }
  let body: string | Buffer;
  let contentType: string;
  if (out.kind === 'raw') {
    body = out.body;
    contentType = out.contentType;
  } else {
    const format = (f ?? '').toLowerCase();
    if (format === 'pjson') {
      body = JSON.stringify(out.body, null, 2);
      contentType = 'application/json; charset=utf-8';
    } else if (format === '' || format === 'html') {
      // ArcGIS answers REST resources without `f` with its HTML directory page.
      body = `<!DOCTYPE html><html><head><title>ArcGIS REST</title></head><body><pre>${escapeHtml(JSON.stringify(out.body, null, 2))}</pre></body></html>`;
      contentType = 'text/html; charset=utf-8';
    } else {
      body = JSON.stringify(out.body);
      contentType = format === 'geojson' ? 'application/geo+json; charset=utf-8' : 'application/json; charset=utf-8';
    }
  }
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  if (reset) {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))), () => res.destroy());
    return status;
  }
  res.end(body);
  return status;
}

export type { Server };
