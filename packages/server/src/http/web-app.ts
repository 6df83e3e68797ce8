import { promises as fs } from 'node:fs';
import { extname, join, posix, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireSession } from '../auth/index.js';
import { AppError } from '../errors/app-error.js';

/** Vite's content-hashed output (`assets/index-B1a2c3D4.js`): its name changes whenever its content does. */
const HASHED_ASSET = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>OrgKeeper</title></head>
<body>
<h1>OrgKeeper's web app is not built</h1>
<p>The server is running and its REST API answers under <code>/api</code>, but the web app has not been built.
Run <code>npm run build</code> in the OrgKeeper folder, then reload this page.</p>
</body>
</html>
`;

/** The web app's catch-all route (public: the sign-in page must load without a session). */
export const WEB_APP_ROUTE = '/*';

/** First path segments that belong to the server, not the web app: the API, metrics and the health probes. */
const SERVER_SEGMENTS: ReadonlySet<string> = new Set(['api', 'metrics', 'healthz', 'readyz']);

export interface WebAppOptions {
  /** Folder of the built web app (holding index.html). */
  webDir: string;
}

/**
 * Serves the built web app at `/`: files as they are, any other path without a file extension gets
 * index.html so the client-side router can show it. Looks at the folder on each request, so
 * building the web app while the server runs just works.
 *
 * The API lives under `/api`. A GET under `/api` that matches no API route lands on `/api/*` below,
 * which is not public: 401 without a session, a JSON 404 with one. Other spellings of an API path
 * that the router does not resolve to a route (`/API/audit`, `/api%2Faudit`, `/./api/audit`) land
 * on the public catch-all, which answers them the same way instead of with the web app. So do other spellings of the
 * server's own paths outside `/api` (`/METRICS`, `/./metrics`, `/healthz;x`): never the web app in their place.
 */
export async function installWebApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const root = resolve(options.webDir);
  // serve:false: only the reply.sendFile helper (ETag, ranges, HEAD); routing stays here.
  await app.register(fastifyStatic, { serve: false, dotfiles: 'deny' });

  const noApiRoute = (request: FastifyRequest, path: string): never => {
    requireSession(request);
    throw new AppError('not_found', `There is no API route ${request.method} ${path}.`);
  };
  app.get('/api', async (request) => noApiRoute(request, '/api'));
  app.get('/api/*', async (request) => noApiRoute(request, request.url.split('?')[0] ?? '/api'));

  app.get(WEB_APP_ROUTE, { config: { public: true } }, async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      throw new AppError('bad_request', 'The URL is not correctly encoded.');
    }
    const normalized = posix.normalize(decoded);
    // `;` parameters too: some proxies and servlet containers read `/api;x/audit` as `/api/audit`.
    if (SERVER_SEGMENTS.has(normalized.split('/')[1]?.split(';')[0]?.toLowerCase() ?? '')) return noApiRoute(request, pathname);
    if (normalized.includes('\0') || normalized.split('/').some((part) => part.startsWith('.') && part !== '')) {
      return sendNotFound(reply);
    }

    if (!(await isFile(join(root, 'index.html')))) {
      return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    }

    const relative = normalized.replace(/^\/+/, '');
    const absolute = resolve(root, relative);
    const inside = absolute === root || absolute.startsWith(root + sep);
    if (inside && relative !== '' && (await isFile(absolute))) {
      if (HASHED_ASSET.test(normalized)) {
        reply.header('cache-control', 'public, max-age=31536000, immutable');
      } else if (relative === 'index.html') {
        reply.header('cache-control', 'no-cache');
      } else {
        // Unhashed files (Calcite's icons and translations, favicon): cache briefly, revalidate with ETag after.
        reply.header('cache-control', 'public, max-age=3600');
      }
      return reply.sendFile(relative, root, { cacheControl: false });
    }

    // A missing file (it has an extension) is a 404, never index.html served as JavaScript or CSS.
    if (extname(normalized) !== '') return sendNotFound(reply);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', root, { cacheControl: false });
  });
}

function sendNotFound(reply: FastifyReply) {
  return reply.code(404).header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send('Not found\n');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}
