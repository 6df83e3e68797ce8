import type { FastifyPluginAsync } from 'fastify';
import { actorOf } from '../http/actor.js';
import { boolean, described, nullable, object, string, dateTime, noContent, type SchemaAgrees } from '../http/schema-kit.js';
import type { MetricsTokenService, MetricsTokenStatus } from './metrics-token.service.js';
import type { MetricsService } from './metrics.service.js';

const tokenStatusSchema = object({
  stored: described('Whether an administrator made a token (stored as a hash).', boolean),
  createdBy: nullable(string),
  createdAt: nullable(dateTime),
  fromEnvironment: described('Whether this process also accepts ORGKEEPER_METRICS_TOKEN.', boolean)
});
const newTokenSchema = described('The new token, shown this once; Prometheus sends it as a bearer token.', object({ token: string, status: tokenStatusSchema }));
const agrees: [SchemaAgrees<typeof tokenStatusSchema, MetricsTokenStatus>] = [true];
void agrees;

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

  app.get(
    '/api/settings/metrics',
    { config: { role: 'admin' }, schema: { tags: ['settings'], operationId: 'getMetricsSettings', summary: 'Whether a metrics token is set (never the token)', response: { 200: tokenStatusSchema } } },
    async () => tokens.status()
  );

  const newToken = { tags: ['settings'], operationId: 'newMetricsToken', summary: 'Make a new metrics token for Prometheus (replacing the stored one), shown once', response: { 201: newTokenSchema } };
  app.post('/api/settings/metrics/token', { config: { role: 'admin' }, schema: newToken }, async (request, reply) => {
    reply.code(201);
    return tokens.create(actorOf(request));
  });

  const removeToken = { tags: ['settings'], operationId: 'removeMetricsToken', summary: 'Remove the stored metrics token', response: { 204: noContent } };
  app.delete('/api/settings/metrics/token', { config: { role: 'admin' }, schema: removeToken }, async (request, reply) => {
    await tokens.remove(actorOf(request));
    return reply.code(204).send();
  });
};
