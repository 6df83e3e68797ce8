import type { AuthContext } from '../auth/session.service.js';
import type { Role } from '../db/schema.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  role: Role | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a signed-in account needs for this route (default: any role). */
    role?: Role;
  }
  interface FastifyRequest {
    /** The signed-in account and session, or null when the request has no valid session. */
    auth: AuthContext | null;
  }
  interface FastifyInstance {
    /** Every route registered on this app, as seen by the onRoute hook. */
    registeredRoutes: RegisteredRoute[];
  }
}
