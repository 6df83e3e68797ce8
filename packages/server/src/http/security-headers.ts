import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Content Security Policy for the web app. Scripts only from OrgKeeper itself; no CDN anywhere
 * (Calcite's icons and translations are served locally from the web app's build and fetched with
 * connect-src 'self'). Calcite's web components set styles from script and inject `<style>` into
 * their shadow roots, which needs 'unsafe-inline' for styles (never for scripts). Images may be
 * data:/blob: URLs (Calcite's inline SVG data, generated thumbnails).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ');

/**
 * Security headers on every answer (API, web app, errors). Nothing is cached unless its handler
 * says otherwise (the web app's files do): deciding "is this the API?" from the raw URL would miss
 * `/%61pi/...`, which the router serves as the API.
 */
export function installSecurityHeaders(app: FastifyInstance, options: SecurityHeaderOptions): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    setSecurityHeaders(reply, options);
    return payload;
  });
}

export interface SecurityHeaderOptions {
  https: boolean;
}

/** The headers themselves, also for answers no hook sees (the router's own refusals). */
export function setSecurityHeaders(reply: FastifyReply, options: SecurityHeaderOptions): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-resource-policy', 'same-origin');
  if (options.https) reply.header('strict-transport-security', 'max-age=31536000');
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
}
