import { request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGISSession } from './arcgis-session.js';
import { orgOriginsFrom } from './org-origins.js';
import { boundToOrigins, ForeignOriginError } from './origin-guard.js';
import { FOREIGN_SPELLINGS, ORG_SPELLINGS, onlineTestOrigins } from './testing/origin-spellings.js';
import { type RecordingListener, startRecordingListener } from './testing/recording-listener.js';
import type { TokenSource } from './token-source.js';

const SECRET = 'SECRET-ADMIN-TOKEN';

/** A token source that hands out the administrator's token for any URL, as Esri's own manager would. */
function leakyTokenSource(portal: string): TokenSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    portal,
    asked,
    getToken: async (url: string) => {
      asked.push(url);
      return SECRET;
    },
    refresh: async () => undefined,
    status: () => ({ username: 'admin', tokenExpires: undefined, refreshTokenExpires: undefined, method: 'oauth2' })
  } as TokenSource & { asked: string[] };
}

describe('boundToOrigins (the token source rest-js and downloads get)', () => {
  const origins = onlineTestOrigins();
  const source = leakyTokenSource('https://org.maps.arcgis.com/sharing/rest');
  const bound = boundToOrigins(source, async (url) => origins.allows(url));

  it.each(FOREIGN_SPELLINGS)('gives no token for %j and never asks the real source', async (url) => {
    source.asked.length = 0;
    expect(await bound.getToken(url)).toBe('');
    expect(source.asked).toEqual([]);
  });

  it.each(ORG_SPELLINGS)('gives the token for %j', async (url) => {
    expect(await bound.getToken(url)).toBe(SECRET);
  });

  it('an ArcGISSession hands rest-js and its own downloads only the bound source', async () => {
    const session = new ArcGISSession({ portalUrl: 'https://org.maps.arcgis.com', restUrl: 'https://org.maps.arcgis.com/sharing/rest', auth: source, origins });
    for (const auth of [session.auth!, session.requestOptions.authentication!]) {
      for (const url of FOREIGN_SPELLINGS) expect(await auth.getToken(url), url).toBe('');
      expect(await auth.getToken(ORG_SPELLINGS[0]!)).toBe(SECRET);
    }
  });
});

describe('the fetch guard inside an ArcGIS call', () => {
  let org: RecordingListener;
  let foreign: RecordingListener;
  let session: ArcGISSession;

  beforeAll(async () => {
    org = await startRecordingListener();
    foreign = await startRecordingListener();
    const origins = orgOriginsFrom({ portalUrl: org.origin, orgId: 'X', isPortal: false, urls: {} });
    session = new ArcGISSession({
      portalUrl: org.origin,
      restUrl: `${org.origin}/sharing/rest`,
      auth: leakyTokenSource(`${org.origin}/sharing/rest`),
      origins,
      // What an IWA identity adds to every request.
      headersFor: async () => ({ Authorization: 'Negotiate SECRET-KERBEROS' }),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxThrottleAttempts: 2 }
    });
  });
  afterAll(async () => {
    await org?.close();
    await foreign?.close();
  });

  const port = () => new URL(foreign.origin).port;
  const attempts = () => [
    ['download', () => session.download(`${foreign.origin}/data`)],
    ['rest-js GET', () => session.request(`${foreign.origin}/rest/services/X/FeatureServer`)],
    ['rest-js POST with a token in the body', () => session.call('x', () => request(`${foreign.origin}/generateToken`, { httpMethod: 'POST', params: { token: SECRET, serverUrl: foreign.origin } }))],
    ['rest-js GET with a token in the query', () => session.call('x', () => request(`${foreign.origin}/info`, { httpMethod: 'GET', params: { token: SECRET } }))],
    ['X-Esri-Authorization', () => session.call('x', () => request(`${foreign.origin}/info`, { httpMethod: 'GET', headers: { 'X-Esri-Authorization': `Bearer ${SECRET}` } }))],
    ['the portal URL in the path', () => session.request(`${foreign.origin}/${org.origin}/sharing/rest/portals/self`)],
    ['decimal IP', () => session.download(`http://2130706433:${port()}/x`)],
    ['hex IP', () => session.download(`http://0x7f.0.0.1:${port()}/x`)],
    ['user info', () => session.download(`${org.origin}@127.0.0.1:${port()}/x`)],
    ['backslash', () => session.download(`http://127.0.0.1:${port()}\\@${org.origin.replace('http://', '')}/x`)],
    ['upper case', () => session.download(`HTTP://127.0.0.1:${port()}/X`)],
    ['plain fetch inside a call', () => session.call('x', () => fetch(`${foreign.origin}/x`, { headers: { Authorization: `Bearer ${SECRET}` } }))]
  ] as const;

  it('refuses every request to another origin before sending anything, whatever it carries', async () => {
    for (const [what, attempt] of attempts()) {
      await expect(attempt(), what).rejects.toBeInstanceOf(ForeignOriginError);
    }
    expect(foreign.requests).toEqual([]);
  });

  it('is not retried: one refusal, no request', async () => {
    const before = session.stats.retries;
    await expect(session.download(`${foreign.origin}/x`)).rejects.toThrow(/did not send a request to http:\/\/127\.0\.0\.1:\d+/);
    expect(session.stats.retries).toBe(before);
  });

  it("the organization's own origin still gets its token and headers", async () => {
    await session.download(`${org.origin}/sharing/rest/content/items/1/data`);
    const last = org.requests.at(-1)!;
    expect(new URL(last.url, org.origin).searchParams.get('token')).toBe(SECRET);
    expect(last.headers.authorization).toBe('Negotiate SECRET-KERBEROS');
  });

  it('leaves fetches outside ArcGIS calls alone', async () => {
    const response = await fetch(`${foreign.origin}/outside`);
    expect(response.ok).toBe(true);
    expect(foreign.requests.map((r) => r.url)).toEqual(['/outside']);
    foreign.requests.length = 0;
  });
});
