import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGroup, getGroup, updateGroup } from '@esri/arcgis-rest-portal';
import { ArcGISIdentityManager, ArcGISRequestError, request } from '@esri/arcgis-rest-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorHandle } from '../src/index.js';
import { addUser } from './portal/fixtures.js';
import { rawRequest, startTestEmulator } from './support/emulator.js';

// Small, distinct byte strings with PNG/JPEG signatures: the emulator stores bytes, it does not decode images.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('group thumbnail one')]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('group thumbnail two')]);

function imageFile(bytes: Buffer, name: string, type: string): File {
  return new File([bytes], name, { type });
}

async function thumbnailBytes(emu: EmulatorHandle, groupId: string, name: string, token?: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const url = new URL(`${emu.restUrl}/community/groups/${groupId}/info/${encodeURIComponent(name)}`);
  if (token) url.searchParams.set('token', token);
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

describe('group thumbnails (Create Group, Update Group, Group Thumbnail)', () => {
  let emu: EmulatorHandle;
  let alice: ArcGISIdentityManager;
  let bob: ArcGISIdentityManager;
  let admin: ArcGISIdentityManager;
  let groupId: string;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: 'empty' });
    const a = addUser(emu, 'alice');
    const b = addUser(emu, 'bob');
    alice = await ArcGISIdentityManager.signIn({ username: a.username, password: a.password, portal: emu.restUrl });
    bob = await ArcGISIdentityManager.signIn({ username: b.username, password: b.password, portal: emu.restUrl });
    admin = await ArcGISIdentityManager.signIn({ username: emu.admin.username, password: emu.admin.password, portal: emu.restUrl });
  });

  afterAll(async () => {
    await emu?.close();
  });

  it('createGroup takes a thumbnail file part; its file name becomes `thumbnail`', async () => {
    const created = await createGroup({
      group: { title: 'Field crews', tags: ['ops'], access: 'private', thumbnail: imageFile(PNG, 'crews.png', 'image/png') } as never,
      authentication: alice
    });
    groupId = created.group.id;
    expect(created.group.thumbnail).toBe('crews.png');
    const group = await getGroup(groupId, { authentication: alice });
    expect(group.thumbnail).toBe('crews.png');

    const read = await thumbnailBytes(emu, groupId, 'crews.png', alice.token);
    expect(read.status).toBe(200);
    expect(read.type).toBe('image/png');
    expect(read.body.equals(PNG)).toBe(true);
  });

  it('updateGroup replaces the thumbnail; the old name no longer answers', async () => {
    const before = (await getGroup(groupId, { authentication: alice })).modified;
    await new Promise((r) => setTimeout(r, 5));
    await updateGroup({ group: { id: groupId, thumbnail: imageFile(JPEG, 'crews-2024.jpg', 'image/jpeg') } as never, authentication: alice });
    const group = await getGroup(groupId, { authentication: alice });
    expect(group.thumbnail).toBe('crews-2024.jpg');
    expect(group.modified).toBeGreaterThan(before);

    const read = await thumbnailBytes(emu, groupId, 'crews-2024.jpg', alice.token);
    expect(read.type).toBe('image/jpeg');
    expect(read.body.equals(JPEG)).toBe(true);

    const stale = await rawRequest(`${emu.restUrl}/community/groups/${groupId}/info/crews.png`, { token: alice.token });
    expect(stale.status).toBe(404);
    expect(stale.body).toMatchObject({ error: { code: 400, message: 'Group thumbnail does not exist or is inaccessible.' } });
  });

  it("a private group's thumbnail is refused to non-members and anonymous callers, and served to the org's admins", async () => {
    const refused = { error: { code: 400, messageCode: 'COM_0003', message: 'Group does not exist or is inaccessible.' } };
    expect((await rawRequest(`${emu.restUrl}/community/groups/${groupId}/info/crews-2024.jpg`, { token: bob.token })).body).toMatchObject(refused);
    expect((await rawRequest(`${emu.restUrl}/community/groups/${groupId}/info/crews-2024.jpg`)).body).toMatchObject(refused);
    const err = await request(`${emu.restUrl}/community/groups/${groupId}/info/crews-2024.jpg`, { authentication: bob, httpMethod: 'GET' }).catch(
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(ArcGISRequestError);

    const asAdmin = await thumbnailBytes(emu, groupId, 'crews-2024.jpg', admin.token);
    expect(asAdmin.body.equals(JPEG)).toBe(true);
  });

  it('refuses a thumbnail over 1 MB or not an image, leaving the group unchanged', async () => {
    const big = imageFile(Buffer.alloc(1024 * 1024 + 1, 1), 'huge.png', 'image/png');
    await expect(updateGroup({ group: { id: groupId, thumbnail: big } as never, authentication: alice })).rejects.toThrow(/larger than the maximum of 1 MB/);
    const text = imageFile(Buffer.from('not an image'), 'notes.txt', 'text/plain');
    await expect(updateGroup({ group: { id: groupId, thumbnail: text } as never, authentication: alice })).rejects.toThrow(/PNG, GIF or JPEG/);
    expect((await getGroup(groupId, { authentication: alice })).thumbnail).toBe('crews-2024.jpg');
  });

  it('clearEmptyFields with an empty thumbnail removes it, and deleteThumbnail removes it too', async () => {
    await updateGroup({ group: { id: groupId, thumbnail: '' } as never, params: { clearEmptyFields: true }, authentication: alice });
    expect((await getGroup(groupId, { authentication: alice })).thumbnail).toBeNull();
    expect((await thumbnailBytes(emu, groupId, 'crews-2024.jpg', alice.token)).status).toBe(404);

    await updateGroup({ group: { id: groupId, thumbnail: imageFile(PNG, 'again.png', 'image/png') } as never, authentication: alice });
    // Bob is no manager of the group: he may not even see it.
    await expect(request(`${emu.restUrl}/community/groups/${groupId}/deleteThumbnail`, { authentication: bob })).rejects.toThrow(/COM_0003/);
    await request(`${emu.restUrl}/community/groups/${groupId}/deleteThumbnail`, { authentication: alice });
    expect((await getGroup(groupId, { authentication: alice })).thumbnail).toBeNull();
  });

  it('a group thumbnail survives a restart with --state-dir', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'emu-group-thumb-'));
    try {
      let id: string;
      const first = await startTestEmulator({ stateDir, seed: 'empty' });
      try {
        const session = await ArcGISIdentityManager.signIn({ username: first.admin.username, password: first.admin.password, portal: first.restUrl });
        const created = await createGroup({ group: { title: 'Persisted', tags: [], access: 'org', thumbnail: imageFile(PNG, 'kept.png', 'image/png') } as never, authentication: session });
        id = created.group.id;
      } finally {
        await first.close();
      }
      const second = await startTestEmulator({ stateDir, seed: 'empty' });
      try {
        const session = await ArcGISIdentityManager.signIn({ username: second.admin.username, password: second.admin.password, portal: second.restUrl });
        const read = await thumbnailBytes(second, id, 'kept.png', session.token);
        expect(read.type).toBe('image/png');
        expect(read.body.equals(PNG)).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
