import type { FastifyPluginAsync } from 'fastify';
import type { HealthService } from './health.service.js';

export interface HealthRoutesDeps {
  health: HealthService;
}

/**
 * `GET /healthz` (the process is up: 200) and `GET /readyz` (database and job workers: 200, else 503), outside /api so
 * probes need no session. Public, answering any Host (probes call the machine's address), and saying nothing secret.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesDeps> = async (app, { health }) => {
  app.get('/healthz', { config: { public: true, anyHost: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true, anyHost: true } }, async (_request, reply) => {
    const readiness = await health.readiness();
    reply.code(readiness.ready ? 200 : 503);
    return { status: readiness.ready ? 'ready' : 'not_ready', checks: readiness.checks };
  });
};
