import type { FastifyPluginAsync } from 'fastify';
import type { ContentMapService } from './content-map.service.js';
import { contentMapSchema } from './content-map.schemas.js';

export interface ContentMapRoutesDeps {
  contentMap: ContentMapService;
}

/**
 * `GET /api/identities/:id/content-map[?refresh=true]`: the organization's owners, folders and items with their sizes,
 * read live from ArcGIS (cached for a minute). Any signed-in account may read it, as it may browse backups.
 */
export const contentMapRoutes: FastifyPluginAsync<ContentMapRoutesDeps> = async (app, { contentMap }) => {
  app.get<{ Params: { id: string }; Querystring: { refresh?: boolean } }>(
    '/api/identities/:id/content-map',
    {
      schema: {
        tags: ['content-map'],
        operationId: 'getContentMap',
        summary: 'The organization\'s owners, folders and items with their sizes, read live from ArcGIS',
        response: { 200: contentMapSchema },
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { refresh: { type: 'boolean' } } }
      }
    },
    async (request, reply) => {
      const map = await contentMap.get(request.params.id, { refresh: request.query.refresh === true });
      // Live organization content: never kept by the browser or a proxy.
      return reply.header('cache-control', 'no-store').send(map);
    }
  );
};
