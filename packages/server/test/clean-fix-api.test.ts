/**
 * Fixes over the REST API against the emulated demo organization over real HTTP: every action's preview lists exactly
 * what the fix then changes in the organization (both directions: nothing listed is left unchanged, nothing unlisted
 * changes), the backup taken first holds the targets, Undo puts the organization back as it was before the fix,
 * delete protection is respected, partial failures list which findings succeeded, and roles, CSRF and audit apply.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/clean/clean.types.js';
import type { CleanFixTables } from '../src/clean/fixes/fix.repository.js';
import type { FixDetail } from '../src/clean/fixes/fix.service.js';
import type { FieldChange, FixPreview } from '../src/clean/fixes/fix.types.js';
import type { MailMessage } from '../src/clean/fixes/mailer.js';
import { openStore } from '../src/store/index.js';
import type { EmulatorHandle } from './support/emulator-harness.js';
import type { ApiClient, TestServer } from './support/server-harness.js';
import { storeScan as storeScanIn } from './support/stored-scan.js';
import { startOrgFixture, waitForOperation, type OrgFixture } from './support/org-fixture.js';

interface Operation {
  id: string;
  status: string;
  message: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** What a fix may change, per target, in a form that compares across the fix (ids of folders become titles). */
type OrgState = Record<string, Record<string, unknown>>;

for (const kind of ['online', 'enterprise'] as const)
describe(`fixes over the REST API (${kind})`, () => {
  let emu: EmulatorHandle;
  let org: OrgFixture;
  let server: TestServer;
  let admin: ApiClient;
  let operator: ApiClient;
  let viewer: ApiClient;
  let identityId: string;
  let storeDir: string;
  const state = () => emu.context.state;
  const base = () => `/api/identities/${identityId}`;

  beforeAll(async () => {
    org = await startOrgFixture({ kind });
    ({ emu, server, admin, operator, viewer, identityId, storeDir } = org);
  }, 60_000);

  afterAll(() => org?.close());

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  const orgItems = () => [...state().items.values()].filter((i) => i.json.orgId === emu.orgId);
  /** Items that are not hosted services (quick to back up) and not the registered app. */
  const plainItems = () => orgItems().filter((i) => !String(i.json.type).includes('Service') && i.json.type !== 'Application');

  function orgState(): OrgState {
    const folders = new Map([...state().folders.values()].map((f) => [f.id, f.title]));
    const out: OrgState = {};
    for (const item of orgItems()) {
      out[`item:${item.json.id}`] = {
        owner: item.json.owner,
        folder: item.json.ownerFolder ? (folders.get(item.json.ownerFolder) ?? item.json.ownerFolder) : '/',
        access: item.json.access,
        groups: [...item.groups].sort(),
        protected: !!item.json.protected,
        tags: [...(item.json.tags ?? [])],
        contentStatus: item.json.contentStatus ?? null
      };
    }
    for (const user of state().users.values()) if (user.orgId === emu.orgId) out[`user:${user.username}`] = { disabled: user.disabled };
    for (const group of state().groups.values()) {
      if (group.orgId === emu.orgId) out[`group:${group.id}`] = { owner: group.owner, access: group.access, members: membersOf(group.members) };
    }
    return out;
  }

  /** A group's members besides its owner as sorted `username:type` (type `admin`: a manager). */
  function membersOf(members: Map<string, string>): string[] {
    return [...members].filter(([, type]) => type !== 'owner').map(([username, type]) => `${username}:${type}`).sort();
  }

  /** Every difference between two states as `target.field: before -> after` lines (a missing target: `gone`). */
  function diff(before: OrgState, after: OrgState): string[] {
    const lines: string[] = [];
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const a = before[key];
      const b = after[key];
      if (!b) lines.push(`${key}: gone`);
      else if (!a) lines.push(`${key}: new`);
      else for (const field of Object.keys(a)) if (JSON.stringify(a[field]) !== JSON.stringify(b[field])) lines.push(`${key}.${field}: ${JSON.stringify(a[field])} -> ${JSON.stringify(b[field])}`);
    }
    return lines.sort();
  }

  /** The differences a preview announces, in the form of diff(). */
  function expectedDiff(preview: FixPreview, before: OrgState): string[] {
    const lines: string[] = [];
    const line = (key: string, field: string, a: unknown, b: unknown) => lines.push(`${key}.${field}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
    for (const p of preview.findings) {
      if (p.status !== 'change') continue;
      const key = `${p.target.kind}:${p.target.id}`;
      for (const c of p.changes) {
        if (c.field === 'item' || c.field === 'user') lines.push(`${key}: gone`);
        else if (c.field === 'ownedItems') {
          const { items } = c.before as { items: string[] };
          for (const id of items) line(`item:${id}`, 'owner', before[`item:${id}`]!.owner, (c.after as { owner: string }).owner);
        } else if (c.field === 'ownedGroups') {
          const { groups, owner: from } = c.before as { groups: string[]; owner: string };
          const to = (c.after as { owner: string }).owner;
          const deleted = p.changes.some((x) => x.field === 'user');
          for (const id of groups) {
            const key = `group:${id}`;
            line(key, 'owner', before[key]!.owner, to);
            // ArcGIS makes the receiver the owner (out of the member list) and keeps the previous owner as a manager,
            // unless its account is deleted too (deleting a user removes it from every group).
            const members = before[key]!.members as string[];
            const after = [...members.filter((m) => !m.toLowerCase().startsWith(`${to.toLowerCase()}:`)), ...(deleted ? [] : [`${from}:admin`])].sort();
            if (JSON.stringify(after) !== JSON.stringify(members)) line(key, 'members', members, after);
          }
        } else if (c.field !== 'email') line(key, c.field, c.before, c.after);
      }
    }
    // A deleted item or user is gone as a whole: its other changes (unprotect before delete) do not show separately.
    const gone = new Set(lines.filter((l) => l.endsWith(': gone')).map((l) => l.slice(0, -': gone'.length)));
    return lines.filter((l) => l.endsWith(': gone') || !gone.has(l.slice(0, l.lastIndexOf('.')))).sort();
  }

  /** Stores a finished scan with findings on these targets (what the scans module stores), returns finding ids. */
  function storeScan(targets: Finding['target'][]): Promise<{ scanId: string; ids: string[] }> {
    return storeScanIn(
      server.server.db,
      identityId,
      targets.map((target, i) => ({ key: `test:${target.kind}:${target.id}:${i}`, code: 'test', message: `Finding about ${target.title}`, target }))
    );
  }

  const itemTarget = (id: string): Finding['target'] => {
    const item = state().items.get(id)!;
    return { kind: 'item', id, title: String(item.json.title), type: String(item.json.type), owner: String(item.json.owner), folderId: item.json.ownerFolder ?? null, portalUrl: `${emu.portalUrl}/home/item.html?id=${id}` };
  };
  const userTarget = (username: string): Finding['target'] => {
    const user = state().getUser(username)!;
    return { kind: 'user', id: user.username, title: user.fullName, type: user.role, owner: user.username };
  };
  const groupTarget = (id: string): Finding['target'] => {
    const group = state().groups.get(id)!;
    return { kind: 'group', id, title: group.title, type: 'group', owner: group.owner };
  };

  const waitFor = (api: ApiClient, operationId: string) => waitForOperation<Operation>(api, operationId, { timeoutMs: 90_000 });

  async function preview(body: Record<string, unknown>): Promise<FixPreview> {
    const response = await operator.post<FixPreview>(`${base()}/fixes/preview`, body);
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  async function apply(body: Record<string, unknown>): Promise<{ operation: Operation; detail: FixDetail }> {
    const started = await operator.post<{ fixId: string; operationId: string }>(`${base()}/fixes`, body);
    expect(started.status, started.text).toBe(202);
    expect(started.body.fixId).toBe(started.body.operationId);
    const operation = await waitFor(operator, started.body.operationId);
    const detail = await viewer.get<FixDetail>(`${base()}/fixes/${started.body.fixId}`);
    expect(detail.status, detail.text).toBe(200);
    return { operation, detail: detail.body };
  }

  async function undo(fixId: string): Promise<{ operation: Operation; detail: FixDetail }> {
    const started = await operator.post<{ operationId: string }>(`${base()}/fixes/${fixId}/undo`);
    expect(started.status, started.text).toBe(202);
    const operation = await waitFor(operator, started.body.operationId);
    const detail = await viewer.get<FixDetail>(`${base()}/fixes/${fixId}`);
    return { operation, detail: detail.body };
  }

  /** Preview, apply, check the change is exactly the preview's, undo, check the organization is as before. */
  async function roundTrip(targets: Finding['target'][], action: string, options: Record<string, unknown> = {}) {
    const { scanId, ids } = await storeScan(targets);
    const body = { scanId, findings: ids, action, options };
    const before = orgState();
    const planned = await preview(body);
    // A preview changes nothing.
    expect(diff(before, orgState())).toEqual([]);
    const { operation, detail } = await apply({ ...body, previewHash: planned.hash });
    expect(operation.status, operation.message ?? '').toBe('succeeded');
    const after = orgState();
    expect(diff(before, after)).toEqual(expectedDiff(planned, before));
    expect(detail.results.map((r) => [r.findingId, r.status === 'skipped' ? 'skip' : 'change', r.changes])).toEqual(
      planned.findings.map((p) => [p.findingId, p.status, p.changes])
    );
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status, undone.operation.message ?? '').toBe('succeeded');
    expect(undone.detail.fix.undo?.status).toBe('succeeded');
    expect(diff(before, orgState())).toEqual([]);
    return { planned, detail, ids };
  }

  // ---------------------------------------------------------------------------------------------------------------

  it('unshares public items from everyone: the preview lists each change, the fix makes exactly those, Undo puts them back', async () => {
    const publicItems = orgItems().filter((i) => i.json.access === 'public').map((i) => i.json.id);
    const privateOne = plainItems().find((i) => i.json.access !== 'public')!.json.id;
    expect(publicItems.length).toBeGreaterThan(0);
    const { planned, detail } = await roundTrip([...publicItems, privateOne].map(itemTarget), 'unshare', { from: 'everyone' });
    expect(planned.counts).toEqual({ change: publicItems.length, skip: 1 });
    expect(planned.findings.at(-1)).toMatchObject({ status: 'skip', reason: 'The item is not shared with everyone.' });
    expect(planned.findings[0]!.changes).toEqual([{ field: 'access', before: 'public', after: 'org', summary: 'Sharing: Everyone (public) -> Organization' }]);
    // The backup taken first holds exactly the items that changed (and the organization's groups and users).
    expect(detail.fix.snapshotId).toBeTruthy();
    expect(planned.backup).toMatchObject({ needed: true, possible: true, principals: false });
    expect(planned.backup.itemIds.sort()).toEqual([...publicItems].sort());
    const store = await openStore(storeDir);
    const manifest = await store.readSnapshot(detail.fix.snapshotId!);
    const stored: { id: string; sharing?: { access: string } }[] = [];
    for await (const entry of store.readList(manifest, 'items')) stored.push(entry);
    expect(stored.map((e) => e.id).sort()).toEqual([...publicItems].sort());
    expect(stored.every((e) => e.sharing?.access === 'public')).toBe(true);
  }, 120_000);

  it('protects, tags, marks deprecated, moves, reassigns and unshares from groups and the organization, each undone exactly', async () => {
    const items = plainItems().filter((i) => !i.json.protected && i.json.access !== 'public').slice(0, 3);
    expect(items.length).toBe(3);
    const targets = items.map((i) => itemTarget(i.json.id));
    await roundTrip(targets, 'protect');
    await roundTrip(targets, 'add-tags', { tags: ['Deprecated 2026', items[0]!.json.tags?.[0] ?? 'x'] });
    await roundTrip(targets, 'mark-deprecated');

    // move: into a folder of the owner (items of other owners, without such a folder, are skipped with the reason)
    const owner = String(items[0]!.json.owner);
    state().addFolder({ id: state().newId(), title: 'Archive', username: owner, created: Date.now() });
    const { planned: moved } = await roundTrip(targets, 'move', { folder: 'Archive' });
    expect(moved.findings[0]).toMatchObject({ status: 'change' });
    for (const p of moved.findings.slice(1)) {
      if (p.target.owner !== owner) expect(p.reason).toContain('has no folder "Archive"');
    }

    // reassign to another user that can own content, into a folder that does not exist yet (ArcGIS creates it)
    const receiver = [...state().users.values()].find((u) => u.orgId === emu.orgId && !u.disabled && u.role === 'org_publisher' && u.username !== owner)!;
    const { planned: reassigned } = await roundTrip(targets, 'reassign', { targetUsername: receiver.username, targetFolder: 'From cleanup' });
    expect(reassigned.findings[0]!.changes.map((c: FieldChange) => c.field)).toEqual(['owner', 'folder']);

    // unshare from groups and from the organization
    const shared = plainItems().filter((i) => i.groups.size > 0 && i.json.access !== 'public').slice(0, 2);
    expect(shared.length).toBeGreaterThan(0);
    await roundTrip(shared.map((i) => itemTarget(i.json.id)), 'unshare', { from: 'groups' });
    const orgShared = plainItems().filter((i) => i.json.access === 'org').slice(0, 2);
    await roundTrip(orgShared.map((i) => itemTarget(i.json.id)), 'unshare', { from: 'org' });
  }, 240_000);

  it('makes a public group private to the organization, and undoes it', async () => {
    const group = [...state().groups.values()].find((g) => g.orgId === emu.orgId && g.access === 'public')!;
    expect(group).toBeDefined();
    const { planned } = await roundTrip([groupTarget(group.id)], 'unshare', { from: 'everyone' });
    expect(planned.findings[0]!.changes[0]).toMatchObject({ field: 'access', before: 'public', after: 'org' });
    expect(planned.backup.principals).toBe(true);
  }, 120_000);

  it('respects delete protection unless overridden; the deleted items are in the backup taken first and Undo brings them back', async () => {
    // Two items ArcGIS Online's bin takes: no type it refuses (Hub sites, ...) and no relationship that deletes with them.
    const related = new Set(state().relationships.flatMap((r) => [r.originItemId, r.destinationItemId]));
    const refused = new Set(state().org.recycleBin?.unsupportedTypes ?? []);
    const binnable = (i: ReturnType<typeof plainItems>[number]) => !refused.has(String(i.json.type)) && !related.has(i.json.id);
    const [kept, gone] = plainItems().filter((i) => i.json.access !== 'public' && binnable(i)).slice(-2);
    kept!.json.protected = true;
    const { scanId, ids } = await storeScan([itemTarget(kept!.json.id), itemTarget(gone!.json.id)]);
    const body = { scanId, findings: ids, action: 'delete-items' };
    const before = orgState();
    const planned = await preview(body);
    expect(planned.findings[0]).toMatchObject({ status: 'skip' });
    expect(planned.findings[0]!.reason).toContain('Delete protection is on');
    const { operation, detail } = await apply(body);
    expect(operation.status).toBe('succeeded');
    expect(diff(before, orgState())).toEqual([`item:${gone!.json.id}: gone`]);
    expect(diff(before, orgState())).toEqual(expectedDiff(planned, before));
    expect(detail.results.map((r) => r.status)).toEqual(['skipped', 'ok']);
    const store = await openStore(storeDir);
    const ids2: string[] = [];
    for await (const entry of store.readList(await store.readSnapshot(detail.fix.snapshotId!), 'items')) ids2.push(entry.id);
    expect(ids2).toEqual([gone!.json.id]);

    // Undo brings the deleted item back as it was before the fix, with its id: ArcGIS Enterprise recreates it from
    // that snapshot keeping the id, ArcGIS Online restores it from its recycle bin (recycle-bin-clean.test.ts has the
    // rest: permanent deletes, a bin switched off, purges).
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status, undone.operation.message ?? '').toBe('succeeded');
    const undoOf = undone.detail.results.find((r) => r.target.id === gone!.json.id)!.undo!;
    expect(undoOf.status).toBe('ok');
    if (kind === 'enterprise') expect(undoOf.note ?? null).toBeNull();
    else expect(undoOf.note).toMatch(/Restored from the recycle bin with its id/);
    expect(diff(before, orgState())).toEqual([]);

    // Overridden: the protected item is unprotected, then deleted.
    const again = await storeScan([itemTarget(kept!.json.id)]);
    const overridden = { scanId: again.scanId, findings: again.ids, action: 'delete-items', options: { overrideProtection: true } };
    const beforeOverride = orgState();
    const plannedOverride = await preview(overridden);
    expect(plannedOverride.findings[0]!.changes.map((c) => `${c.field}:${String(c.before)}->${String(c.after)}`)).toEqual(['protected:true->false', `item:exists->${kind === 'online' ? 'recycled' : 'deleted'}`]);
    const done = await apply(overridden);
    expect(done.operation.status).toBe('succeeded');
    expect(diff(beforeOverride, orgState())).toEqual(expectedDiff(plannedOverride, beforeOverride));
    expect(state().items.has(kept!.json.id)).toBe(false);
    // Undo brings it back protected, as it was.
    const undoneOverride = await undo(done.detail.fix.id);
    expect(undoneOverride.operation.status, undoneOverride.operation.message ?? '').toBe('succeeded');
    expect(orgState()[`item:${kept!.json.id}`]).toEqual(beforeOverride[`item:${kept!.json.id}`]);
  }, 120_000);

  it('disables users with a snapshot of their profiles first, and enables them again on Undo', async () => {
    const users = [...state().users.values()].filter((u) => u.orgId === emu.orgId && !u.disabled && u.role === 'org_user').slice(0, 2);
    expect(users.length).toBe(2);
    const self = emu.admin.username;
    const { planned, detail } = await roundTrip([...users.map((u) => userTarget(u.username)), userTarget(self)], 'disable-users');
    expect(planned.findings.map((p) => p.status)).toEqual(['change', 'change', 'skip']);
    expect(planned.findings[2]!.reason).toContain('OrgKeeper signs in as');
    expect(planned.backup).toMatchObject({ itemIds: [], principals: true });
    const store = await openStore(storeDir);
    const profiles: { username: string }[] = [];
    for await (const entry of store.readList(await store.readSnapshot(detail.fix.snapshotId!), 'users')) profiles.push(entry);
    for (const user of users) expect(profiles.map((p) => p.username)).toContain(user.username);
  }, 120_000);

  it('transfers a user’s items and groups to another user and deletes the user; Undo says why it cannot bring the user back', async () => {
    const owner = [...state().users.values()].find((u) => u.orgId === emu.orgId && u.disabled && state().itemsOf(u.username).length > 0)!;
    expect(owner).toBeDefined();
    const receiver = [...state().users.values()].find((u) => u.orgId === emu.orgId && !u.disabled && u.role === 'org_publisher')!;
    const owned = state().itemsOf(owner.username).map((i) => i.json.id);
    const { scanId, ids } = await storeScan([userTarget(owner.username)]);
    const body = { scanId, findings: ids, action: 'transfer-and-delete-user', options: { targetUsername: receiver.username } };
    const before = orgState();
    const planned = await preview(body);
    expect(planned.backup.itemIds.sort()).toEqual([...owned].sort());
    const { operation, detail } = await apply(body);
    expect(operation.status, operation.message ?? '').toBe('succeeded');
    expect(diff(before, orgState())).toEqual(expectedDiff(planned, before));
    expect(state().getUser(owner.username)).toBeUndefined();
    for (const id of owned) expect(state().items.get(id)!.json.owner).toBe(receiver.username);
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status).toBe('failed');
    expect(undone.detail.results[0]!.undo!.error).toContain('ArcGIS cannot bring a deleted account back');
  }, 120_000);

  it('keeps a user whose content could not all be transferred, says why, and Undo gives back what was moved', async () => {
    const others = [...state().users.values()].filter((u) => u.orgId === emu.orgId && !u.disabled && u.username !== emu.admin.username);
    const groupsOf = (name: string) => [...state().groups.values()].filter((g) => g.owner === name).sort((a, b) => a.id.localeCompare(b.id));
    const owner = others.find((u) => state().itemsOf(u.username).length > 0 && groupsOf(u.username).length >= 2)!;
    expect(owner, 'the demo org has a user owning items and two groups').toBeDefined();
    // A user whose role cannot own content: ArcGIS refuses to reassign items to them (groups it does reassign).
    const receiver = others.find((u) => u.username !== owner.username && !u.privileges.includes('portal:user:createItem') && u.role !== 'org_admin')!;
    expect(receiver, 'the demo org has a viewer').toBeDefined();
    // The receiver is not in one of the owner's groups and a plain member of another: after a reassign back ArcGIS
    // leaves it a manager of both, so Undo must remove it from the first and make it a plain member of the second.
    const [notIn, memberOf] = groupsOf(owner.username);
    for (const key of [...notIn!.members.keys()]) if (key.toLowerCase() === receiver.username.toLowerCase()) notIn!.members.delete(key);
    memberOf!.members.set(receiver.username, 'member');
    const { scanId, ids } = await storeScan([userTarget(owner.username)]);
    const before = orgState();
    expect(before[`group:${notIn!.id}`]!.members).not.toContainEqual(expect.stringMatching(new RegExp(`^${receiver.username}:`, 'i')));
    expect(before[`group:${memberOf!.id}`]!.members).toContain(`${receiver.username}:member`);
    const { operation, detail } = await apply({ scanId, findings: ids, action: 'transfer-and-delete-user', options: { targetUsername: receiver.username } });
    expect(operation.status).toBe('failed');
    expect(detail.results[0]!.status).toBe('failed');
    expect(detail.results[0]!.error).toContain('could not be transferred, so the user was not deleted');
    expect(state().getUser(owner.username)).toBeDefined();
    // The groups did move (and are listed as moved); the items did not; the user was not deleted.
    expect(detail.results[0]!.applied.map((c) => c.field)).toEqual(['ownedGroups']);
    const moved = detail.results[0]!.applied[0]!;
    expect((moved.before as { receiverMembership: Record<string, string> }).receiverMembership).toMatchObject({ [notIn!.id]: 'none', [memberOf!.id]: 'member' });
    // ArcGIS's reassign made the receiver the owner and kept the user as a manager.
    expect(state().groups.get(notIn!.id)!.owner).toBe(receiver.username);
    expect(state().groups.get(notIn!.id)!.members.get(owner.username)).toBe('admin');
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status, undone.operation.message ?? '').toBe('succeeded');
    expect(undone.detail.results[0]!.undo).toMatchObject({ status: 'ok', error: null });
    expect(undone.detail.results[0]!.undo!.note ?? null).toBeNull();
    // Owners and every membership are as before the fix: the receiver is out of the first group, a plain member of the second.
    expect(diff(before, orgState())).toEqual([]);
  }, 60_000);

  it('Undo of a halfway transfer recorded without the receiver’s memberships gives the groups back and says the receiver stays a manager', async () => {
    const others = [...state().users.values()].filter((u) => u.orgId === emu.orgId && !u.disabled && u.username !== emu.admin.username);
    const groupsOf = (name: string) => [...state().groups.values()].filter((g) => g.owner === name);
    const owner = others.find((u) => state().itemsOf(u.username).length > 0 && groupsOf(u.username).length > 0)!;
    const receiver = others.find((u) => u.username !== owner.username && !u.privileges.includes('portal:user:createItem') && u.role !== 'org_admin')!;
    const groups = groupsOf(owner.username);
    for (const group of groups) for (const key of [...group.members.keys()]) if (key.toLowerCase() === receiver.username.toLowerCase()) group.members.delete(key);
    const { scanId, ids } = await storeScan([userTarget(owner.username)]);
    const before = orgState();
    const { detail } = await apply({ scanId, findings: ids, action: 'transfer-and-delete-user', options: { targetUsername: receiver.username } });
    expect(detail.results[0]!.applied.map((c) => c.field)).toEqual(['ownedGroups']);
    // A fix row from before memberships were recorded: the same change without `receiverMembership`.
    const db = server.server.db.withTables<CleanFixTables>();
    const row = await db.selectFrom('clean_fix_results').selectAll().where('fix_id', '=', detail.fix.id).executeTakeFirstOrThrow();
    const applied = JSON.parse(row.applied) as FieldChange[];
    delete (applied[0]!.before as { receiverMembership?: unknown }).receiverMembership;
    await db.updateTable('clean_fix_results').set({ applied: JSON.stringify(applied) }).where('fix_id', '=', detail.fix.id).execute();
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status, undone.operation.message ?? '').toBe('succeeded');
    expect(undone.detail.results[0]!.undo!.note).toContain(`did not record whether ${receiver.username} was in them before`);
    // The groups are back with their owner; the receiver is left a manager of each, as the note says.
    expect(diff(before, orgState())).toEqual(
      groups.map((g) => `group:${g.id}.members: ${JSON.stringify(before[`group:${g.id}`]!.members)} -> ${JSON.stringify([...(before[`group:${g.id}`]!.members as string[]), `${receiver.username}:admin`].sort())}`).sort()
    );
    for (const group of groups) for (const key of [...group.members.keys()]) if (key.toLowerCase() === receiver.username.toLowerCase()) group.members.delete(key);
    expect(diff(before, orgState())).toEqual([]);
  }, 60_000);

  it('changes nothing when the organization changed since the preview it is applied with', async () => {
    const items = plainItems().filter((i) => !i.json.protected).slice(0, 2);
    const { scanId, ids } = await storeScan(items.map((i) => itemTarget(i.json.id)));
    const body = { scanId, findings: ids, action: 'protect' };
    const planned = await preview(body);
    expect(planned.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await preview(body)).hash).toBe(planned.hash);
    items[0]!.json.protected = true; // someone protects it in ArcGIS meanwhile
    const before = orgState();
    const { operation, detail } = await apply({ ...body, previewHash: planned.hash });
    expect(operation.status).toBe('failed');
    expect(operation.message).toContain('changed since the preview');
    expect(detail.results.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(diff(before, orgState())).toEqual([]);
    items[0]!.json.protected = false;
  }, 60_000);

  it('stops promptly when cancelled: what was done is recorded, the rest is not attempted, Undo reverts what was done', async () => {
    const items = plainItems().filter((i) => !i.json.protected).slice(0, 6);
    expect(items.length).toBe(6);
    const { scanId, ids } = await storeScan(items.map((i) => itemTarget(i.json.id)));
    const before = orgState();
    // ArcGIS lets three protect requests through, then throttles the rest for 30 seconds.
    emu.faults.update({ throttleRpm: 3, retryAfterSeconds: 30, pathFilter: ['/protect'] });
    try {
      const started = await operator.post<{ fixId: string; operationId: string }>(`${base()}/fixes`, { scanId, findings: ids, action: 'protect' });
      expect(started.status, started.text).toBe(202);
      const until = Date.now() + 30_000;
      let running: FixDetail;
      for (;;) {
        const detail = await viewer.get<FixDetail>(`${base()}/fixes/${started.body.fixId}`);
        if (detail.body.fix.counts.ok === 3) {
          running = detail.body;
          break;
        }
        if (Date.now() > until) throw new Error(`The fix did not get to 3 done: ${detail.text}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // While it runs, the findings it has not reached are waiting, not "not attempted".
      expect(running.fix.status).toBe('running');
      expect(running.results.filter((r) => r.status === 'pending').map((r) => r.error)).toEqual([null, null, null]);
      const cancelled = await operator.post(`/api/operations/${started.body.operationId}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      const operation = await waitFor(operator, started.body.operationId);
      expect(operation.status).toBe('cancelled');
      const { body } = await viewer.get<FixDetail>(`${base()}/fixes/${started.body.fixId}`);
      expect(body.fix.status).toBe('cancelled');
      expect(body.fix.message).toContain('3 findings were fixed');
      expect(body.results.filter((r) => r.status === 'ok')).toHaveLength(3);
      for (const r of body.results.filter((x) => x.status !== 'ok')) expect(r.error).toMatch(/stopped/);
      expect(diff(before, orgState())).toHaveLength(3);
      emu.faults.reset();
      const undone = await undo(started.body.fixId);
      expect(undone.operation.status).toBe('succeeded');
      expect(diff(before, orgState())).toEqual([]);
    } finally {
      emu.faults.reset();
    }
  }, 90_000);

  it('reports a partial failure per finding: which succeeded, which failed and why; Undo reverts the ones that changed', async () => {
    const items = plainItems().filter((i) => !i.json.protected && state().items.has(i.json.id)).slice(0, 3);
    const failing = items[1]!.json.id;
    const { scanId, ids } = await storeScan(items.map((i) => itemTarget(i.json.id)));
    const before = orgState();
    emu.faults.update({ errorRate: 1, errorStyle: 'body', pathFilter: [`/items/${failing}/protect`] });
    let result;
    try {
      result = await apply({ scanId, findings: ids, action: 'protect' });
    } finally {
      emu.faults.reset();
    }
    const { operation, detail } = result;
    expect(operation.status).toBe('partial');
    expect(detail.fix.status).toBe('partial');
    expect(detail.fix.counts).toEqual({ ok: 2, failed: 1, skipped: 0 });
    expect(detail.results.map((r) => [r.target.id, r.status])).toEqual(items.map((i) => [i.json.id, i.json.id === failing ? 'failed' : 'ok']));
    expect(detail.results[1]!.error).toBeTruthy();
    expect(diff(before, orgState())).toEqual(items.filter((i) => i.json.id !== failing).map((i) => `item:${i.json.id}.protected: false -> true`).sort());
    // The operation's per-item log says the same.
    const log = await viewer.get<{ items: { itemId: string; status: string }[] }>(`/api/operations/${detail.fix.id}/items`);
    expect(log.status).toBe(200);
    expect(log.body.items.map((i) => [i.itemId, i.status]).sort()).toEqual(items.map((i) => [i.json.id, i.json.id === failing ? 'failed' : 'ok']).sort());
    const undone = await undo(detail.fix.id);
    expect(undone.operation.status).toBe('succeeded');
    expect(undone.detail.results.map((r) => r.undo?.status)).toEqual(['ok', 'skipped', 'ok']);
    expect(diff(before, orgState())).toEqual([]);
  }, 120_000);

  it('notifies owners with one email each listing their findings; nothing to undo', async () => {
    const items = plainItems().slice(0, 4);
    const { scanId, ids } = await storeScan(items.map((i) => itemTarget(i.json.id)));
    const body = { scanId, findings: ids, action: 'notify-owners', options: { message: 'Please tidy up before the audit.' } };
    const unconfigured = await preview(body);
    expect(unconfigured.findings.every((p) => p.status === 'skip' && p.reason?.includes('No email (SMTP) server'))).toBe(true);

    const sent: MailMessage[] = [];
    server.server.services.fixes.setMailer({ ready: async () => null, send: async (message) => void sent.push(message) });
    try {
      const planned = await preview(body);
      expect(planned.backup.needed).toBe(false);
      const before = orgState();
      const { operation, detail } = await apply(body);
      expect(operation.status).toBe('succeeded');
      expect(diff(before, orgState())).toEqual([]);
      const owners = [...new Set(items.map((i) => String(i.json.owner)))];
      expect(sent.map((m) => m.to).sort()).toEqual(owners.map((o) => state().getUser(o)!.email).sort());
      for (const item of items) {
        const mail = sent.find((m) => m.to === state().getUser(String(item.json.owner))!.email)!;
        expect(mail.text).toContain(String(item.json.title));
        expect(mail.text).toContain('Please tidy up before the audit.');
      }
      const refused = await operator.post<ErrorBody>(`${base()}/fixes/${detail.fix.id}/undo`);
      expect(refused.status).toBe(409);
    } finally {
      server.server.services.fixes.setMailer(undefined);
    }
  }, 120_000);

  it('needs the operator role and the CSRF token to preview or apply; audits who fixed what', async () => {
    const item = plainItems()[0]!;
    const { scanId, ids } = await storeScan([itemTarget(item.json.id)]);
    const body = { scanId, findings: ids, action: 'protect' };
    expect((await viewer.post(`${base()}/fixes/preview`, body)).status).toBe(403);
    expect((await viewer.post(`${base()}/fixes`, body)).status).toBe(403);
    expect((await operator.post(`${base()}/fixes`, body, { csrf: false })).status).toBe(403);
    expect((await server.client().get(`${base()}/fixes`)).status).toBe(401);
    const bad = await operator.post<ErrorBody>(`${base()}/fixes/preview`, { scanId, findings: ids, action: 'reassign' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields?.targetUsername).toContain('targetUsername');
    const unknown = await operator.post<ErrorBody>(`${base()}/fixes/preview`, { scanId, findings: ['nope'], action: 'protect' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields?.findings).toContain('nope');

    const list = await viewer.get<{ fixes: { id: string; action: string }[] }>(`${base()}/fixes`);
    expect(list.status).toBe(200);
    expect(list.body.fixes.length).toBeGreaterThan(0);
    const audit = await admin.get<{ events: { action: string; actor: { name: string }; result: string }[] }>('/api/audit?limit=500');
    const actions = audit.body.events.map((e) => e.action);
    expect(actions).toContain('fix.start');
    expect(actions).toContain('fix.finish');
    expect(actions).toContain('undo.start');
    expect(actions).toContain('fix.undone');
    expect(audit.body.events.find((e) => e.action === 'fix.start')!.actor.name).toBe('operator');
  }, 60_000);

  it('takes the backup before a fix as a backup operation of its own, in the Logs and started by whoever applied the fix', async () => {
    const item = plainItems().find((i) => !i.json.protected && state().items.has(i.json.id))!;
    const { scanId, ids } = await storeScan([itemTarget(item.json.id)]);
    const { operation, detail } = await apply({ scanId, findings: ids, action: 'protect' });
    expect(operation.status, operation.message ?? '').toBe('succeeded');
    const listed = await viewer.get<{ operations: (Operation & { kind: string; createdBy: string; snapshotId: string | null; params: Record<string, unknown> })[] }>(
      `/api/operations?identityId=${identityId}&kind=backup&limit=10`
    );
    const backup = listed.body.operations.find((o) => o.snapshotId === detail.fix.snapshotId);
    expect(backup).toMatchObject({ status: 'succeeded', createdBy: 'operator', params: { name: `Before fix protect (${detail.fix.id.slice(0, 8)})`, items: [item.json.id] } });
    const log = await viewer.get<{ items: { itemId: string; status: string }[] }>(`/api/operations/${backup!.id}/items`);
    expect(log.body.items.map((i) => [i.itemId, i.status])).toEqual([[item.json.id, 'ok']]);
    const fixOperation = await viewer.get<{ result: { backupOperationId?: string; snapshotId?: string } }>(`/api/operations/${detail.fix.id}`);
    expect(fixOperation.body.result).toMatchObject({ backupOperationId: backup!.id, snapshotId: detail.fix.snapshotId });
    expect((await undo(detail.fix.id)).operation.status).toBe('succeeded');
  }, 60_000);

  it('says when no backup can be taken and fixes only with an explicit confirmation', async () => {
    const item = plainItems().find((i) => !i.json.protected)!;
    const { scanId, ids } = await storeScan([itemTarget(item.json.id)]);
    const body = { scanId, findings: ids, action: 'protect' };
    // The File Location becomes unusable: a file where the folder was.
    const moved = `${storeDir}.away`;
    await rename(storeDir, moved);
    await writeFile(storeDir, 'not a folder');
    try {
      const planned = await preview(body);
      expect(planned.backup).toMatchObject({ needed: true, possible: false });
      expect(planned.backup.reason).toContain('is a file, not a folder');
      const refused = await operator.post<ErrorBody>(`${base()}/fixes`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.fields?.confirmNoBackup).toBeTruthy();
      expect(state().items.get(item.json.id)!.json.protected).toBeFalsy();
      const { operation, detail } = await apply({ ...body, confirmNoBackup: true });
      expect(operation.status).toBe('succeeded');
      expect(detail.fix.snapshotId).toBeNull();
      expect(detail.fix.backupNote).toContain('No backup was taken (confirmed)');
      expect(state().items.get(item.json.id)!.json.protected).toBe(true);
      // Undo still works for what can be put back directly.
      expect((await undo(detail.fix.id)).operation.status).toBe('succeeded');
      expect(state().items.get(item.json.id)!.json.protected).toBe(false);
    } finally {
      await rm(storeDir, { force: true });
      await rename(moved, storeDir);
    }
  }, 60_000);
});
