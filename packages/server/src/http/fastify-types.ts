import type { AuthContext } from '../auth/index.js';
import type { Role } from '../db/schema.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  /** The route's declared `config.role` (see `requiredRole` in auth/access-control.ts for the effective one). */
  role: Role | undefined;
  /** Whether the route's own definition marks it `config: { public: true }`. */
  public: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The least role a signed-in account needs for this route. Default: any role for reading
     * (GET, HEAD), operator for state-changing methods; a state-changing route open to viewers says
     * `role: 'viewer'` itself.
     */
    role?: Role;
    /**
     * Answers without a session. Only for what must work before signing in (login, first-run
     * setup, the session probe, the OAuth callback, the web app's files); every other route,
     * including one added later without this mark, answers 401 to a request without a session.
     * State-changing public routes cannot check a CSRF token and accept only same-origin JSON.
     */
    public?: true;
    /**
     * A read-only (GET) route that also answers to a bearer token of this kind instead of a session: `metrics` is the
     * token Prometheus sends for `/metrics` (metrics/metrics-token.service.ts). Without an Authorization header the
     * route needs a session as usual; a wrong token is refused (401), never taken for a session.
     */
    bearer?: 'metrics';
    /**
     * Answers whatever Host the request names (the DNS-rebinding check of http/host-check.ts is skipped): only for
     * routes a rebinding page gains nothing from (health probes saying nothing, /metrics behind its token), which load
     * balancers, container orchestrators and Prometheus call by an address that is not the public URL.
     */
    anyHost?: true;
  }
  interface FastifyRequest {
    /** The signed-in account and session, or the API token, behind the request; null when there is neither. */
    auth: AuthContext | null;
    /** The kind of bearer token the request was let in with (a route's `config.bearer`), or null. */
    bearer: 'metrics' | null;
  }
  interface FastifyInstance {
    /** Every route registered on this app, as seen by the onRoute hook. */
    registeredRoutes: RegisteredRoute[];
  }
}
