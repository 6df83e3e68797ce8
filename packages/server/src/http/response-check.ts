import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * For tests: checks that a route's response schema did not change what its handler answered. Fastify serializes an
 * answer with its response schema (fast-json-stringify), which silently drops properties the schema does not list and
 * coerces values to the types it declares; a schema that lags behind the code would quietly cut fields from answers.
 * Every JSON answer is compared with plain JSON.stringify of the same value; a difference turns the answer into a 500
 * naming the route and the first differing path, so any test that reaches the route fails.
 */
export function installResponseCheck(app: FastifyInstance): void {
  const answered = new WeakMap<FastifyRequest, unknown>();
  app.addHook('preSerialization', async (request, _reply, payload) => {
    answered.set(request, payload);
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!answered.has(request) || typeof payload !== 'string') return payload;
    const expected: unknown = JSON.parse(JSON.stringify(answered.get(request)) ?? 'null');
    answered.delete(request);
    let actual: unknown;
    try {
      actual = JSON.parse(payload);
    } catch {
      actual = payload;
    }
    if (isDeepStrictEqual(expected, actual)) return payload;
    const where = firstDifference(expected, actual, '');
    const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
    request.log.error({ route, where }, 'the response schema changed the answer');
    reply.code(500).type('application/json; charset=utf-8');
    return JSON.stringify({ error: { code: 'internal_error', message: `The response schema of ${route} changed the answer at ${where}.` } });
  });
}

/** The path of the first place two JSON values differ, with both values there. */
export function firstDifference(expected: unknown, actual: unknown, path: string): string {
  if (isDeepStrictEqual(expected, actual)) return '';
  const bothObjects = typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null;
  if (bothObjects && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      const a = (expected as Record<string, unknown>)[key];
      const b = (actual as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(a, b)) return firstDifference(a, b, `${path}/${key}`);
    }
  }
  const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 200));
  return `${path || '/'} (the handler answered ${show(expected)}, the schema sent ${show(actual)})`;
}
