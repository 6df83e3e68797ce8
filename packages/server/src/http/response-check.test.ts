import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { firstDifference, installResponseCheck } from './response-check.js';

describe('response check', () => {
  it('turns an answer that its response schema changed into a 500 naming the route and the path', async () => {
    const app = Fastify();
    installResponseCheck(app);
    const schema = { response: { 200: { type: 'object', properties: { id: { type: 'string' }, count: { type: 'integer' } } } } };
    app.get('/dropped', { schema }, async () => ({ id: 'a', count: 1, extra: true }));
    app.get('/coerced', { schema }, async () => ({ id: 'a', count: 1.5 }));
    app.get('/whole', { schema }, async () => ({ id: 'a', count: 2 }));
    const dropped = await app.inject('/dropped');
    expect(dropped.statusCode).toBe(500);
    expect(dropped.json()).toEqual({ error: { code: 'internal_error', message: 'The response schema of GET /dropped changed the answer at /extra (the handler answered true, the schema sent nothing).' } });
    const coerced = await app.inject('/coerced');
    expect(coerced.statusCode).toBe(500);
    expect(coerced.json<{ error: { message: string } }>().error.message).toMatch(/at \/count \(the handler answered 1.5, the schema sent 1\)/);
    const whole = await app.inject('/whole');
    expect(whole.statusCode).toBe(200);
    expect(whole.json()).toEqual({ id: 'a', count: 2 });
    await app.close();
  });

  it('names the first differing path inside arrays and objects', () => {
    expect(firstDifference({ a: [{ b: 1 }, { b: 2 }] }, { a: [{ b: 1 }, { b: 3 }] }, '')).toBe('/a/1/b (the handler answered 2, the schema sent 3)');
  });
});
