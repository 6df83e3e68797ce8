import fastifyCookie from '@fastify/cookie';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { auditRoutes } from './audit/audit.routes.js';
import { installAccessControl } from './auth/access-control.js';
import { apiTokenRoutes } from './auth/api-token.routes.js';
import { arcgisSignInRoutes } from './auth/arcgis-sign-in.routes.js';
import { authRoutes } from './auth/auth.routes.js';
import { setupRoutes } from './auth/setup.routes.js';
import { publicOrigin, usesHttps, type Config } from './config/config.js';
import type { Db } from './db/database.js';
import { AppError } from './errors/app-error.js';
import { installErrorHandler, sendFrameworkError } from './http/error-handler.js';
import type { RegisteredRoute } from './http/fastify-types.js';
import { hostRule, installHostCheck, isLoopbackBind } from './http/host-check.js';
import { installSecurityHeaders, setSecurityHeaders } from './http/security-headers.js';
import { installOpenApi } from './http/openapi.js';
import { installResponseCheck } from './http/response-check.js';
import { installValidation } from './http/validation.js';
import { WEB_APP_ROUTE, installWebApp } from './http/web-app.js';
import type { Clock } from './lib/clock.js';
import { redactUrl, type Logger } from './logging/logger.js';
import { identityRoutes, oauthCallbackRoutes } from './identities/identity.routes.js';
import { backupRoutes } from './backup/backup.routes.js';
import { restoreRoutes } from './restore/restore.routes.js';
import { operationRoutes } from './operations/operations.routes.js';
import { scheduleRoutes } from './schedules/schedules.routes.js';
import { notificationRoutes } from './notifications/notifications.routes.js';
import { webhookRoutes } from './notifications/webhooks.routes.js';
import { metricsRoutes } from './metrics/metrics.routes.js';
import { healthRoutes } from './health/health.routes.js';
import { cleanRoutes } from './clean/clean.routes.js';
import { fixRoutes } from './clean/fixes/fix.routes.js';
import { contentMapRoutes } from './content-map/content-map.routes.js';
import { recycleBinRoutes } from './recycle-bin/recycle-bin.routes.js';
import type { SecretBox } from './secrets/secret-box.js';
import { createServices, type Services } from './services.js';
import type { LoginThrottleOptions } from './auth/login-throttle.service.js';
import type { SessionServiceOptions } from './auth/session.service.js';

export interface BuildAppOptions {
  config: Config;
  db: Db;
  secretBox: SecretBox;
  logger: Logger;
  clock?: Clock;
  /** Prebuilt services (tests); by default they are created from db, logger, secretBox and clock. */
  services?: Services;
  sessions?: SessionServiceOptions;
  throttle?: LoginThrottleOptions;
  /** Tests: fail any answer whose response schema changed what the handler answered (http/response-check.ts). */
  checkResponses?: boolean;
}

/** Request bodies are small JSON documents; uploads (if ever) get their own limit per route. */
const BODY_LIMIT = 1024 * 1024;

/**
 * The Fastify app with every route, not yet listening. Route modules are registered in one list
 * below: a new concept (identities, backups, ...) adds its `*.routes.ts` there, taking its services
 * as plugin options.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const services =
    options.services ??
    createServices({
      db: options.db,
      logger: options.logger,
      secretBox: options.secretBox,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.sessions ? { sessions: options.sessions } : {}),
      ...(options.throttle ? { throttle: options.throttle } : {}),
      publicUrl: config.publicUrl,
      metricsToken: config.metricsToken,
      ...(config.arcgisConcurrency ? { arcgisConcurrency: config.arcgisConcurrency } : {})
    });
  services.identityConnections.setPublicUrl(config.publicUrl);
  services.notifications.setPublicUrl(config.publicUrl);
  services.arcgisSignIn.setPublicUrl(config.publicUrl);
  services.webhooks.setPublicUrl(config.publicUrl);
  const secureCookies = usesHttps(config);

  const app = Fastify({
    // Typed as Fastify's logger so the app keeps Fastify's default instance type.
    loggerInstance: options.logger as FastifyBaseLogger,
    // One line per request is written below, with secrets in the query string redacted.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOption(config.trustProxy),
    // The router's own refusals (a broken %-escape, an over-long parameter) run no hooks: same shape and headers by hand.
    frameworkErrors: (error, _request, reply) => {
      setSecurityHeaders(reply, { https: secureCookies });
      sendFrameworkError(error, reply);
    },
    // Access is decided from the route that matched (auth/access-control.ts), so these options only
    // decide which spellings of a path reach a route; whatever reaches a route gets its checks.
    routerOptions: {
      // `/api/audit/` and `//api//audit` are the audit route (clients and proxies add slashes), not a
      // second path that would fall through to the web app's catch-all.
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      // One spelling per route: `/API/audit` matches nothing and gets the catch-all's API refusal.
      // Case-insensitive matching would give no client anything and lower-case path parameters.
      caseSensitive: true,
      // Path parameters are UUIDs and 32-character ArcGIS item ids: a longer one matches no parameter route (404).
      maxParamLength: 100
      // useSemicolonDelimiter stays Fastify 5's false: `/api/audit;x` is no route, not the audit route.
    }
  });
  installValidation(app);
  // First of all hooks: a request for a host OrgKeeper does not answer to reaches nothing else.
  installHostCheck(app, hostRule(config));
  if (!isLoopbackBind(config.host) && isLoopbackBind(new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, ''))) {
    options.logger.warn(
      { host: config.host, publicUrl: config.publicUrl },
      'OrgKeeper listens beyond this machine but its public URL is a loopback address, so requests from other machines are refused; set --public-url to the address users open'
    );
  }

  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url, role: route.config?.role, public: route.config?.public === true });
  });

  app.addHook('onResponse', async (request, reply) => {
    // The web app's many static files only at debug; everything else (the API, however its path
    // was spelled, and every refusal) at info. Decided from the matched route, not the raw URL.
    const quiet = !request.is404 && request.routeOptions.url === WEB_APP_ROUTE && reply.statusCode < 400;
    const entry = {
      method: request.method,
      url: redactUrl(request.url),
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      user: request.auth?.user.username
    };
    if (quiet) request.log.debug(entry, 'request');
    else request.log.info(entry, 'request');
  });

  // The API speaks JSON only: no text/plain parser (a cross-site form can send text/plain), and an
  // empty JSON body (fetch with a JSON header but no body) means "no body" rather than an error.
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, done);
  });

  installErrorHandler(app);
  if (options.checkResponses) installResponseCheck(app);
  installSecurityHeaders(app, { https: secureCookies });
  await app.register(fastifyCookie);
  installAccessControl(app, {
    sessions: services.sessions,
    tokens: services.apiTokens,
    publicOrigin: publicOrigin(config),
    bearerTokens: { metrics: (token) => services.metricsTokens.verify(token) }
  });

  app.setNotFoundHandler((request) => {
    throw new AppError('not_found', `There is no route ${request.method} ${request.url.split('?')[0] ?? ''}.`);
  });

  // Before the routes: the OpenAPI description is built from the routes registered after it.
  await installOpenApi(app, { publicUrl: config.publicUrl, webDir: config.webDir });

  // Route modules, one per concept.
  await app.register(setupRoutes, { auth: services.auth, users: services.users, secureCookies });
  await app.register(authRoutes, { auth: services.auth, secureCookies });
  await app.register(arcgisSignInRoutes, { arcgis: services.arcgisSignIn, secureCookies });
  await app.register(auditRoutes, { audit: services.audit });
  await app.register(apiTokenRoutes, { tokens: services.apiTokens });
  await app.register(identityRoutes, { identities: services.identities });
  await app.register(oauthCallbackRoutes, { identities: services.identities });
  await app.register(backupRoutes, { snapshots: services.snapshots, operations: services.operations });
  await app.register(restoreRoutes, { restores: services.restores, operations: services.operations });
  await app.register(operationRoutes, { operations: services.operations });
  await app.register(scheduleRoutes, { schedules: services.schedules });
  await app.register(notificationRoutes, { notifications: services.notifications });
  await app.register(webhookRoutes, { webhooks: services.webhooks });
  await app.register(cleanRoutes, { clean: services.clean });
  await app.register(fixRoutes, { fixes: services.fixes });
  await app.register(contentMapRoutes, { contentMap: services.contentMap });
  await app.register(recycleBinRoutes, { recycleBin: services.recycleBin });
  await app.register(healthRoutes, { health: services.health });
  await app.register(metricsRoutes, { metrics: services.metrics, tokens: services.metricsTokens });

  // Keeps idle identities' refresh tokens alive; stops with the server.
  app.addHook('onReady', async () => services.tokenKeeper.start());
  app.addHook('onClose', async () => services.tokenKeeper.stop());
  // Operations left running by stopped processes are recovered; this server runs queued operations unless told
  // --no-worker (then workers do); running ones stop (interrupted) with the server.
  app.addHook('onReady', async () => (config.runJobs ? services.operations.startWorker('server') : services.operations.announce()));
  app.addHook('onClose', async () => services.operations.shutdown());
  // Webhook deliveries (also those left by an earlier process or written by CLI commands) are sent while the server runs.
  app.addHook('onReady', async () => services.webhooks.start());
  app.addHook('onClose', async () => services.webhooks.stop());
  // Schedules fire while the server runs; runs missed while it was stopped start once now.
  app.addHook('onReady', async () => services.schedules.start());
  app.addHook('onClose', async () => services.schedules.stop());

  await installWebApp(app, { webDir: config.webDir });
  return app;
}

/** Fastify takes a hop count as a function of the hop index. */
function trustProxyOption(value: Config['trustProxy']) {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}
