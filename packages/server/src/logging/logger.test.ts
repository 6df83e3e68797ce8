import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

describe('logger', () => {
  it('blanks secrets in headers, bodies and nested objects', () => {
    const { logger, text } = capture();
    logger.info({
      req: { headers: { cookie: 'orgkeeper_session=SESSION', authorization: 'Bearer TOKEN1', 'x-csrf-token': 'CSRF' } },
      body: { username: 'alice', password: 'PASSWORD1' },
      identity: { refreshToken: 'REFRESH', password: 'PASSWORD2' },
      token: 'TOKEN2'
    });
    const out = text();
    for (const secret of ['SESSION', 'TOKEN1', 'CSRF', 'PASSWORD1', 'PASSWORD2', 'REFRESH', 'TOKEN2']) expect(out).not.toContain(secret);
    expect(out).toContain('alice');
    expect(out).toContain('[redacted]');
  });
});

describe('redactUrl', () => {
  it('hides OAuth codes and tokens in query strings', () => {
    expect(redactUrl('/api/oauth/callback?code=SECRET&state=STATE')).toBe('/api/oauth/callback?code=%5Bredacted%5D&state=%5Bredacted%5D');
    expect(redactUrl('/api/audit?limit=5')).toBe('/api/audit?limit=5');
    expect(redactUrl('/x?Token=abc&keep=1')).not.toContain('abc');
    expect(redactUrl('/plain')).toBe('/plain');
  });
});
