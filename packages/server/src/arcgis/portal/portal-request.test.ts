/**
 * Ids, usernames and paths from ArcGIS are hostile: the catalogue encodes them as path segments, so none can turn one
 * endpoint into another (`../../community/users/x/delete`) or add parameters (`?f=html`). A real session against a
 * real HTTP server on loopback records what was asked for.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGISSession } from '../arcgis-session.js';
import { getGroupMembers } from './group-members.js';
import { getItem, itemInfoUrl } from './item.js';
import { getItemGroupIds } from './item-sharing.js';
import { reassignItem } from './item-ownership.js';
import { getUser } from './users.js';

const HOSTILE = '../../community/users/admin/delete?f=html#';

describe('catalogue paths', () => {
  let server: Server;
  let base: string;
  const asked: { method: string; path: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push({ method: request.method ?? '', path: new URL(request.url ?? '/', 'http://x').pathname });
      response.setHeader('content-type', 'application/json');
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const session = () => new ArcGISSession({ portalUrl: base, restUrl: `${base}/sharing/rest`, auth: null, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxThrottleAttempts: 0 } });

  it('keeps a hostile id or username inside the path segment it was given for', async () => {
    asked.length = 0;
    const s = session();
    await getItem({ session: s, id: HOSTILE });
    await getItemGroupIds({ session: s, id: HOSTILE });
    await getGroupMembers({ session: s, id: HOSTILE });
    await getUser({ session: s, username: HOSTILE });
    await reassignItem({ session: s, owner: HOSTILE, id: HOSTILE, targetUsername: 'jdoe' });
    const encoded = encodeURIComponent(HOSTILE);
    expect(asked.map((a) => a.path)).toEqual([
      `/sharing/rest/content/items/${encoded}`,
      `/sharing/rest/content/items/${encoded}/groups`,
      `/sharing/rest/community/groups/${encoded}/users`,
      `/sharing/rest/community/users/${encoded}`,
      `/sharing/rest/content/users/${encoded}/items/${encoded}/reassign`
    ]);
    expect(asked.at(-1)?.method).toBe('POST');
  });

  it('encodes each segment of a thumbnail path but keeps its folders', () => {
    const url = itemInfoUrl({ session: session(), id: 'abc', path: 'thumbnail/a b?.png' });
    expect(url).toBe(`${base}/sharing/rest/content/items/abc/info/thumbnail/a%20b%3F.png`);
  });
});
