import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../errors/app-error.js';

/**
 * GET /api/oauth/callback: where ArcGIS sends the browser back after an OAuth2 sign-in. It is public
 * (the browser arrives from the portal, and the OAuth `state` ties it to the identity being connected).
 * Placeholder until identities are built: that work replaces this module.
 */
export const oauthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/api/oauth/callback',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            code: { type: 'string' },
            state: { type: 'string' },
            error: { type: 'string' },
            error_description: { type: 'string' }
          }
        }
      }
    },
    async () => {
      throw new AppError('not_implemented', 'Connecting identities with OAuth2 is not available in this version yet.');
    }
  );
};
