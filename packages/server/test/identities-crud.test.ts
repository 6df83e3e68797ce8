import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startTestServer, type ApiClient, type TestServer } from './support/server-harness.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';

const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}
interface IdentityBody {
  id: string;
  type: string;
  name: string;
  url: string;
  authMethod: string;
  appId: string | null;
  fileLocation: string;
  storeCredentials: boolean;
  orgId: string | null;
  portalName: string | null;
  status: { state: string; message: string | null; username: string | null; hasStoredPassword: boolean };
}

describe('identities: create, validate, change, delete', () => {
  let online: EmulatorHandle;
  let enterprise: EmulatorHandle;
  let server: TestServer;
  let api: ApiClient;
  let folder: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    [online, enterprise] = await Promise.all([startTestEmulator({ kind: 'online' }), startTestEmulator({ kind: 'enterprise', seed: 'empty' })]);
    server = await startTestServer({ admin: ADMIN });
    api = await server.login();
    folder = await tempFolder();
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all([online?.close(), enterprise?.close()]);
    await folder?.remove();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    type: 'online',
    name: 'Springfield',
    url: online.portalUrl,
    appId: online.appId,
    fileLocation: join(folder.path, 'springfield'),
    ...over
  });

  it('creates an Online identity from a pasted URL, normalized, with what portals/self says', async () => {
    const created = await api.post<IdentityBody>('/api/identities', body({ url: `${online.portalUrl}/home/index.html` }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      type: 'online',
      name: 'Springfield',
      url: online.portalUrl,
      authMethod: 'oauth2',
      appId: online.appId,
      fileLocation: join(folder.path, 'springfield'),
      storeCredentials: true,
      orgId: online.orgId,
      status: { state: 'not_connected', username: null, hasStoredPassword: false }
    });
    expect(created.body.portalName).toBeTruthy();

    const list = await api.get<{ identities: IdentityBody[]; redirectUri: string }>('/api/identities');
    expect(list.body.redirectUri).toBe(`${server.url}/api/oauth/callback`);
    expect(list.body.identities.map((i) => i.id)).toContain(created.body.id);
    expect((await api.get<IdentityBody>(`/api/identities/${created.body.id}`)).body.name).toBe('Springfield');
  });

  it('rejects every bad field with a message that says what to enter instead', async () => {
    const res = await api.post<ErrorBody>('/api/identities', { type: 'online', name: '  ', url: '', appId: '', fileLocation: 'backups' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const f = res.body.error.fields ?? {};
    expect(f.name).toMatch(/Enter the organization name/);
    expect(f.url).toMatch(/Enter the URL of the organization, e\.g\. https:\/\/myorg\.maps\.arcgis\.com/);
    expect(f.appId).toMatch(/App ID \(client ID\).*redirect URIs/);
    expect(f.fileLocation).toMatch(/relative path\. Enter a full path/);

    const wrong = await api.post<ErrorBody>('/api/identities', { type: 'cloud', name: 'x', url: online.portalUrl, fileLocation: join(folder.path, 'x') });
    expect(wrong.body.error.fields?.type).toMatch(/use "online" or "enterprise"/);

    const iwaOnline = await api.post<ErrorBody>('/api/identities', body({ name: 'IWA online', authMethod: 'iwa', fileLocation: join(folder.path, 'iwa-online') }));
    expect(iwaOnline.body.error.fields?.authMethod).toMatch(/ArcGIS Online does not offer IWA/);

    const badAppId = await api.post<ErrorBody>('/api/identities', body({ name: 'Bad app', appId: 'not an id!', fileLocation: join(folder.path, 'bad-app') }));
    expect(badAppId.body.error.fields?.appId).toMatch(/letters and digits/);

    const badUrl = await api.post<ErrorBody>('/api/identities', body({ name: 'Bad url', url: 'ftp://example.com', fileLocation: join(folder.path, 'bad-url') }));
    expect(badUrl.body.error.fields?.url).toMatch(/must start with https:\/\//);

    const halfLogin = await api.post<ErrorBody>('/api/identities', body({ name: 'Half', username: 'gis_admin', fileLocation: join(folder.path, 'half') }));
    expect(halfLogin.body.error.fields?.password).toMatch(/Enter the password of "gis_admin"/);

    const noStore = await api.post<ErrorBody>('/api/identities', body({ name: 'No store', username: 'gis_admin', password: 'x', storeCredentials: false, fileLocation: join(folder.path, 'nostore') }));
    expect(noStore.body.error.fields?.password).toMatch(/Store credentials/);

    const typed = await api.post<ErrorBody>('/api/identities', { ...body(), name: 42 });
    expect(typed.status).toBe(400);
    expect(typed.body.error.fields?.name).toMatch(/Must be a string/);
  });

  it('checks the URL live: unreachable, not ArcGIS, and the wrong section', async () => {
    const closed = await freePort();
    const unreachable = await api.post<ErrorBody>('/api/identities', body({ name: 'Nowhere', url: `http://127.0.0.1:${closed}/portal`, fileLocation: join(folder.path, 'nowhere') }));
    expect(unreachable.body.error.fields?.url).toMatch(new RegExp(`could not reach http://127\\.0\\.0\\.1:${closed}/portal: nothing accepts connections.*Check the URL`));

    // OrgKeeper's own server answers HTTP, but is not a portal.
    const notPortal = await api.post<ErrorBody>('/api/identities', body({ name: 'Not a portal', url: server.url, fileLocation: join(folder.path, 'np') }));
    expect(notPortal.body.error.fields?.url).toMatch(/not like an ArcGIS portal/);

    const enterpriseAsOnline = await api.post<ErrorBody>('/api/identities', body({ name: 'Wrong section', url: enterprise.portalUrl, fileLocation: join(folder.path, 'ws') }));
    expect(enterpriseAsOnline.body.error.fields?.url).toBe('This URL is an ArcGIS Enterprise portal; add it under ArcGIS Enterprise instead of ArcGIS Online.');

    const onlineAsEnterprise = await api.post<ErrorBody>('/api/identities', body({ type: 'enterprise', name: 'Wrong section 2', fileLocation: join(folder.path, 'ws2') }));
    expect(onlineAsEnterprise.body.error.fields?.url).toBe('This URL is an ArcGIS Online organization; add it under ArcGIS Online instead of ArcGIS Enterprise.');

    const ok = await api.post<IdentityBody>('/api/identities', {
      type: 'enterprise',
      name: 'Enterprise prod',
      url: `${enterprise.restUrl}/`,
      authMethod: 'oauth2',
      appId: enterprise.appId,
      fileLocation: join(folder.path, 'enterprise')
    });
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe(enterprise.portalUrl);
    expect(ok.body.orgId).toBe(enterprise.orgId);
  });

  it('keeps names unique regardless of case', async () => {
    const dup = await api.post<ErrorBody>('/api/identities', body({ name: 'SPRINGFIELD', fileLocation: join(folder.path, 'dup') }));
    expect(dup.body.error.fields?.name).toMatch(/already named "SPRINGFIELD".*Choose a different name/);
  });

  it('gives each identity its own folder: not shared, not nested, also through a symbolic link', async () => {
    const same = await api.post<ErrorBody>('/api/identities', body({ name: 'Same folder', fileLocation: `${join(folder.path, 'springfield')}/` }));
    expect(same.body.error.fields?.fileLocation).toMatch(/is the folder of the identity "Springfield"/);
    const inside = await api.post<ErrorBody>('/api/identities', body({ name: 'Inside', fileLocation: join(folder.path, 'springfield', 'sub') }));
    expect(inside.body.error.fields?.fileLocation).toMatch(/is inside the folder of the identity "Springfield"/);
    const around = await api.post<ErrorBody>('/api/identities', body({ name: 'Around', fileLocation: folder.path }));
    expect(around.body.error.fields?.fileLocation).toMatch(/contains the folder of the identity/);
    await symlink(join(folder.path, 'springfield'), join(folder.path, 'link-to-springfield'));
    const viaLink = await api.post<ErrorBody>('/api/identities', body({ name: 'Via link', fileLocation: join(folder.path, 'link-to-springfield') }));
    expect(viaLink.body.error.fields?.fileLocation).toMatch(/is the folder of the identity "Springfield"/);

    // A symbolic link to a folder of its own is fine.
    await mkdir(join(folder.path, 'real-shelby'));
    await symlink(join(folder.path, 'real-shelby'), join(folder.path, 'shelby'));
    const linked = await api.post<IdentityBody>('/api/identities', body({ name: 'Shelbyville', fileLocation: join(folder.path, 'shelby') }));
    expect(linked.status).toBe(201);
    expect(linked.body.fileLocation).toBe(join(folder.path, 'shelby'));
  });

  it('rejects a file, an unwritable folder, and creates a missing one', async () => {
    await writeFile(join(folder.path, 'a-file'), 'x');
    const file = await api.post<ErrorBody>('/api/identities', body({ name: 'File', fileLocation: join(folder.path, 'a-file') }));
    expect(file.body.error.fields?.fileLocation).toMatch(/is a file, not a folder/);

    if (process.getuid?.() !== 0) {
      await mkdir(join(folder.path, 'locked'));
      await chmod(join(folder.path, 'locked'), 0o500);
      const locked = await api.post<ErrorBody>('/api/identities', body({ name: 'Locked', fileLocation: join(folder.path, 'locked') }));
      expect(locked.body.error.fields?.fileLocation).toMatch(/cannot write to .*permission denied.*write access/);
      await chmod(join(folder.path, 'locked'), 0o700);
    }

    // A place no one may create folders in (as root too): /proc.
    const proc = await api.post<ErrorBody>('/api/identities', body({ name: 'Proc', fileLocation: '/proc/orgkeeper-backups' }));
    expect(proc.body.error.fields?.fileLocation).toMatch(/\/proc\/orgkeeper-backups.*(may not create|cannot be created).*(Choose another|choose another)/);

    const deep = await api.post<IdentityBody>('/api/identities', body({ name: 'Deep', fileLocation: join(folder.path, 'new', 'deeper', 'store') }));
    expect(deep.status).toBe(201);
  });

  it('changes fields with PATCH, revalidating what changed, and deletes (audited, backups kept)', async () => {
    const list = await api.get<{ identities: IdentityBody[] }>('/api/identities');
    const spring = list.body.identities.find((i) => i.name === 'Springfield')!;
    const renamed = await api.patch<IdentityBody>(`/api/identities/${spring.id}`, { name: 'Springfield (prod)', storeCredentials: false });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Springfield (prod)', storeCredentials: false, url: online.portalUrl });

    const clash = await api.patch<ErrorBody>(`/api/identities/${spring.id}`, { name: 'shelbyville' });
    expect(clash.body.error.fields?.name).toMatch(/already named/);
    const typeChange = await api.patch<ErrorBody>(`/api/identities/${spring.id}`, { type: 'enterprise' });
    expect(typeChange.body.error.fields?.type).toMatch(/cannot move between/);
    const noApp = await api.patch<ErrorBody>(`/api/identities/${spring.id}`, { appId: '' });
    expect(noApp.body.error.fields?.appId).toMatch(/Enter the App ID/);

    const moved = await api.patch<IdentityBody>(`/api/identities/${spring.id}`, { fileLocation: join(folder.path, 'springfield-moved') });
    expect(moved.body.fileLocation).toBe(join(folder.path, 'springfield-moved'));

    const deleted = await api.delete(`/api/identities/${spring.id}`);
    expect(deleted.status).toBe(204);
    expect((await api.get<ErrorBody>(`/api/identities/${spring.id}`)).status).toBe(404);
    const audit = await api.get<{ events: { action: string; target: string; details: Record<string, unknown> }[] }>('/api/audit');
    const del = audit.body.events.find((e) => e.action === 'identity.delete' && e.target === spring.id);
    expect(del?.details).toMatchObject({ backupsKept: true });
    expect(audit.body.events.some((e) => e.action === 'identity.create')).toBe(true);
  });

  it('needs a session and a CSRF token, and an administrator to change identities', async () => {
    expect((await server.client().get('/api/identities')).status).toBe(401);
    const noCsrf = await api.post<ErrorBody>('/api/identities', body({ name: 'No CSRF' }), { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
  });
});
