import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { issueToken } from '../src/auth/tokens.js';
import { addTestUser } from './support/content-fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

/**
 * `content/items/<id>/setContentStatus` as Esri documents it: POST only, `status` org_authoritative |
 * public_authoritative | deprecated, an empty status with `clearEmptyFields=true` clears it, and only callers with
 * portal:admin:updateItems (administrators) may change it. The item JSON then carries `contentStatus`.
 */
describe('setContentStatus over HTTP', () => {
  let emu: EmulatorHandle;
  let rest: string;
  let aliceToken: string;
  let adminToken: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online', seed: 'empty' });
    rest = emu.restUrl;
    addTestUser(emu, 'alice_pub', 'org_publisher');
    aliceToken = issueToken(emu.context, 'alice_pub', 60).token;
    adminToken = issueToken(emu.context, emu.admin.username, 60).token;
  });
  afterAll(async () => {
    await emu?.close();
  });

  const errorOf = (r: { body: unknown }) => (r.body as { error: { code: number; message: string; details: string[] } }).error;

  it('marks an item deprecated, clears the status, and refuses bad values and callers without the privilege', async () => {
    const added = await rawRequest(`${rest}/content/users/alice_pub/addItem`, { title: 'Old map', type: 'Web Map', token: aliceToken }, { method: 'POST' });
    const id = (added.body as { id: string }).id;
    const url = `${rest}/content/items/${id}/setContentStatus`;

    expect(errorOf(await rawRequest(url, { status: 'deprecated', token: aliceToken }, { method: 'POST' }))).toMatchObject({ code: 403 });
    expect(errorOf(await rawRequest(url, { status: 'obsolete', token: adminToken }, { method: 'POST' }))).toMatchObject({ code: 400 });
    expect(errorOf(await rawRequest(url, { token: adminToken }, { method: 'POST' }))).toMatchObject({ code: 400 });

    expect((await rawRequest(url, { status: 'deprecated', token: adminToken }, { method: 'POST' })).body).toEqual({ success: true });
    const item = await rawRequest(`${rest}/content/items/${id}`, { token: aliceToken });
    expect(item.body).toMatchObject({ contentStatus: 'deprecated', protected: false });

    expect((await rawRequest(url, { status: '', clearEmptyFields: 'true', token: adminToken }, { method: 'POST' })).body).toEqual({ success: true });
    const cleared = (await rawRequest(`${rest}/content/items/${id}`, { token: aliceToken })).body as Record<string, unknown>;
    expect(cleared.contentStatus ?? null).toBeNull();

    // Authoritative items are protected from accidental deletion.
    await rawRequest(url, { status: 'org_authoritative', token: adminToken }, { method: 'POST' });
    expect((await rawRequest(`${rest}/content/items/${id}`, { token: aliceToken })).body).toMatchObject({ contentStatus: 'org_authoritative', protected: true });
  });
});
