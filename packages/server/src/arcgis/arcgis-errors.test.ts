import { ArcGISAuthError, ArcGISRequestError, ArcGISTokenRequestError, ArcGISTokenRequestErrorCodes } from '@esri/arcgis-rest-request';
import { describe, expect, it } from 'vitest';
import { ArcGISFailure, toArcGISFailure } from './arcgis-errors.js';

const body = (code: number, message: string, messageCode?: string) => ({ error: { code, message, messageCode, details: [] } });

describe('toArcGISFailure', () => {
  it('keeps code, messageCode and the raw response of rest-js errors', () => {
    const raw = body(400, 'Item does not exist or is inaccessible.', 'CONT_0001');
    const failure = toArcGISFailure(new ArcGISRequestError(raw.error.message, 'CONT_0001', raw, 'https://x/sharing/rest/content/items/1'));
    expect(failure).toBeInstanceOf(ArcGISFailure);
    expect(failure.kind).toBe('not_found');
    expect(failure.code).toBe(400);
    expect(failure.messageCode).toBe('CONT_0001');
    expect(failure.response).toBe(raw);
    expect(failure.retryable).toBe(false);
  });

  it('classifies auth, throttling and server errors in bodies', () => {
    expect(toArcGISFailure(new ArcGISAuthError('Invalid token.', 498, body(498, 'Invalid token.'))).kind).toBe('auth');
    expect(toArcGISFailure(new ArcGISAuthError('Token Required', 'GWM_0003', body(499, 'Token Required', 'GWM_0003'))).kind).toBe('auth');
    expect(toArcGISFailure(new ArcGISRequestError('Too many', 429, body(429, 'Too many requests'))).kind).toBe('throttled');
    for (const code of [500, 502, 503, 504]) {
      const f = toArcGISFailure(new ArcGISRequestError('x', code, body(code, 'Unable to complete operation.')));
      expect(f.kind).toBe('transient');
      expect(f.retryable).toBe(true);
    }
    expect(toArcGISFailure(new ArcGISRequestError('x', 'GWM_0003', body(403, 'You do not have permissions', 'GWM_0003'))).kind).toBe('forbidden');
  });

  it('classifies HTTP status failures without JSON bodies', () => {
    expect(toArcGISFailure(new ArcGISRequestError('Service Unavailable', 'HTTP 503', {})).kind).toBe('transient');
    expect(toArcGISFailure(new ArcGISRequestError('Too Many Requests', 'HTTP 429', {})).kind).toBe('throttled');
  });

  it('treats a token request that met a server error as passing, and a refused one as auth', () => {
    // What rest-js throws when generateToken answers 502 while a session renews its token.
    const badGateway = new ArcGISTokenRequestError('TOKEN_REFRESH_FAILED: HTTP 502: Bad Gateway', ArcGISTokenRequestErrorCodes.TOKEN_REFRESH_FAILED, { status: 502 } as never, 'https://x/sharing/rest/generateToken');
    const passing = toArcGISFailure(badGateway);
    expect(passing.kind).toBe('transient');
    expect(passing.retryable).toBe(true);
    expect(toArcGISFailure(new ArcGISTokenRequestError('TOKEN_REFRESH_FAILED: HTTP 429: Too Many Requests', ArcGISTokenRequestErrorCodes.TOKEN_REFRESH_FAILED)).kind).toBe('throttled');
    expect(toArcGISFailure(new ArcGISTokenRequestError('Unable to refresh token.', ArcGISTokenRequestErrorCodes.TOKEN_REFRESH_FAILED)).kind).toBe('auth');
  });

  it('treats resets and refused connections as network failures', () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET', message: 'read ECONNRESET' } });
    expect(toArcGISFailure(reset, 'http://127.0.0.1:1/x').kind).toBe('transient');
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } });
    const f = toArcGISFailure(refused, 'http://127.0.0.1:1/x');
    expect(f.kind).toBe('network');
    expect(f.message).toContain('Could not connect to http://127.0.0.1:1');
  });
});
