import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import type { MetricsTokenService } from './metrics-token.service.js';
import type { MetricsService } from './metrics.service.js';

export interface MetricsRoutesDeps {
  metrics: MetricsService;
  tokens: MetricsTokenService;
}

/**
 * `GET /metrics` (Prometheus text format) for Prometheus with its bearer token, or for a signed-in administrator;
 * answering any Host (Prometheus scrapes the machine's address). The token's management is for administrators:
 * `GET /api/settings/metrics`, `POST /api/settings/metrics/token` (a new token, shown once), `DELETE` it.
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesDeps> = async (app, { metrics, tokens }) => {
  app.get('/metrics', { config: { role: 'admin', bearer: 'metrics', anyHost: true } }, async (_request, reply) => {
    const { contentType, text } = await metrics.render();
    return reply.type(contentType).send(text);
  });

  app.get('/api/settings/metrics', { config: { role: 'admin' } }, async () => tokens.status());

  app.post('/api/settings/metrics/token', { config: { role: 'admin' } }, async (request, reply) => {
    reply.code(201);
    return tokens.create(actorOf(request));
  });

  app.delete('/api/settings/metrics/token', { config: { role: 'admin' } }, async (request, reply) => {
    await tokens.remove(actorOf(request));
    return reply.code(204).send();
  });
};
