import { type Ctx } from './context.js';
import { type Reply } from './http/reply.js';

export type Method = 'GET' | 'POST' | 'ANY';

export interface RouteOptions {
  /**
   * 'check' (default): a token, if sent, must be valid (ArcGIS answers 498 to an invalid token even on public
   * resources). 'ignore': the token parameter is not looked at (OAuth2 endpoints, generateToken, info).
   */
  auth?: 'check' | 'ignore';
  /** ArcGIS refuses GET on edit operations with error 405 "This operation must be invoked with POST". */
  postOnly?: boolean;
  /** Name used in the request log (per-endpoint counts); defaults to the pattern. */
  name?: string;
}

export type Handler = (ctx: Ctx) => Reply | object | Promise<Reply | object>;

export interface Route {
  method: Method;
  pattern: string;
  segments: Segment[];
  handler: Handler;
  options: RouteOptions;
  name: string;
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string };

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/**
 * A small router for ArcGIS-style paths. Patterns: `/sharing/rest/content/items/:id/resources/*path`.
 * Literal segments match case-insensitively, as ArcGIS paths do; `*name` takes the rest of the path.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: Method, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    const segments = splitPath(pattern).map((s): Segment => {
      if (s.startsWith(':')) return { kind: 'param', name: s.slice(1) };
      if (s.startsWith('*')) return { kind: 'rest', name: s.slice(1) };
      return { kind: 'literal', value: s.toLowerCase() };
    });
    this.routes.push({ method, pattern, segments, handler, options, name: options.name ?? pattern });
    return this;
  }

  get(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.add('GET', pattern, handler, options);
  }

  post(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.add('POST', pattern, handler, { postOnly: true, ...options });
  }

  /** GET or POST, as most ArcGIS read endpoints accept. */
  any(pattern: string, handler: Handler, options?: RouteOptions): this {
    return this.add('ANY', pattern, handler, options);
  }

  list(): readonly Route[] {
    return this.routes;
  }

  /** Finds the best route: literal segments beat parameters, parameters beat rest segments. */
  match(method: string, path: string): RouteMatch | { methodMismatch: Route } | undefined {
    const parts = splitPath(path);
    let best: { match: RouteMatch; score: number } | undefined;
    let mismatch: Route | undefined;
    for (const route of this.routes) {
      const result = matchSegments(route.segments, parts);
      if (!result) continue;
      const methodOk = route.method === 'ANY' || route.method === method || (method === 'HEAD' && route.method === 'GET');
      if (!methodOk) {
        mismatch ??= route;
        continue;
      }
      if (!best || result.score > best.score) best = { match: { route, params: result.params }, score: result.score };
    }
    if (best) return best.match;
    if (mismatch) return { methodMismatch: mismatch };
    return undefined;
  }
}

export function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function matchSegments(segments: Segment[], parts: string[]): { params: Record<string, string>; score: number } | undefined {
  const params: Record<string, string> = {};
  let score = 0;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.kind === 'rest') {
      if (i >= parts.length) return undefined;
      params[seg.name] = parts.slice(i).map(safeDecode).join('/');
      return { params, score };
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.kind === 'literal') {
      if (safeDecode(part).toLowerCase() !== seg.value) return undefined;
      score += 3;
    } else {
      params[seg.name] = safeDecode(part);
      score += 2;
    }
  }
  if (parts.length !== segments.length) return undefined;
  return { params, score };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
