/**
 * Shared by the restore tests: back up an emulated organization into a temporary store, run plans and restores with a
 * real SQLite database, and compare live items with the snapshot (ignoring what ArcGIS manages).
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import yauzl from 'yauzl';
import { runBackup } from '../../src/backup/backup.engine.js';
import type { BackupOptions, BackupResult } from '../../src/backup/backup.types.js';
import { migrateToLatest, openDatabase, type Db } from '../../src/db/database.js';
import type { HostedRestore } from '../../src/restore/hosted-contract.js';
import { runRestore } from '../../src/restore/restore.engine.js';
import { buildPlan, readSnapshotContent, type SnapshotContent } from '../../src/restore/restore.plan.js';
import { RestoreRepository } from '../../src/restore/restore.repository.js';
import { rewriteJsonText, stringRewriter, type RewriteMaps } from '../../src/restore/references.js';
import type { PlanStep, RestoreParams, RestorePlan, RestoreResult } from '../../src/restore/restore.types.js';
import { type ItemEntry, type Store, openStore } from '../../src/store/index.js';
import type { EmulatorHandle } from './emulator-harness.js';
import type { RetryPolicy } from '../../src/arcgis/retry.js';
import { sessionFor } from './emulator-session.js';
import { itemTypeOf, rewritesData, rewritesResource } from '../../src/item-types/index.js';
import { rewriteFile } from '../../src/restore/survey-package.js';

/** Short retries: tests that inject server errors must not wait for production backoff. */
export const RESTORE_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxThrottleAttempts: 3 };

export const orgItems = (emu: EmulatorHandle) => [...emu.context.state.items.values()].filter((i) => i.json.orgId === emu.orgId);

/** Backs up the whole organization into `<dir>/store`; returns the store and the snapshot id. */
/** Backs up the emulator's organization (or, with `choose`, chosen items) into `<dir>/store`; no item may fail. */
export async function backUp(
  emu: EmulatorHandle,
  dir: string,
  name = 'Before',
  choose: Pick<BackupOptions, 'itemIds' | 'query' | 'withDependencies' | 'dependencyBounds'> = {}
): Promise<{ store: Store; snapshotId: string; content: SnapshotContent; result: BackupResult }> {
  const result = await runBackup({
    identity: { id: 'source', name: 'Source', fileLocation: join(dir, 'store'), orgId: emu.orgId, portalUrl: emu.portalUrl, portalName: 'Source' },
    session: sessionFor(emu, { retry: RESTORE_RETRY }),
    name,
    ...choose
  });
  expect(result.items.filter((i) => i.status === 'failed')).toEqual([]);
  const store = await openStore(join(dir, 'store'), { expectOrgId: emu.orgId });
  return { store, snapshotId: result.snapshotId, content: await readSnapshotContent(store, result.snapshotId), result };
}

export async function restoreDb(dir: string): Promise<{ db: Db; repository: RestoreRepository }> {
  const db = openDatabase(join(dir, 'orgkeeper.db'));
  await migrateToLatest(db);
  return { db, repository: new RestoreRepository(db) };
}

export interface RestoreRun {
  plan: RestorePlan;
  result: RestoreResult;
}

/** Plans (unless a plan is given, as a resumed run does) and runs a restore against `target`. */
export async function planAndRun(options: {
  store: Store;
  content: SnapshotContent;
  target: EmulatorHandle;
  repository: RestoreRepository;
  params: RestoreParams;
  operationId: string;
  plan?: RestorePlan;
  hosted?: HostedRestore;
  beforeStep?: (step: PlanStep) => Promise<void> | void;
  signal?: AbortSignal;
}): Promise<RestoreRun> {
  const signal = options.signal ?? new AbortController().signal;
  const session = sessionFor(options.target, { retry: RESTORE_RETRY, signal });
  const plan =
    options.plan ??
    (await buildPlan({
      store: options.store,
      content: options.content,
      params: options.params,
      source: { identityId: 'source' },
      target: { identityId: 'target', session },
      hostedAvailable: options.hosted !== undefined,
      now: new Date()
    }));
  const result = await runRestore({
    operationId: options.operationId,
    plan,
    store: options.store,
    content: options.content,
    session,
    repository: options.repository,
    hosted: options.hosted,
    signal,
    clock: () => new Date(),
    ...(options.beforeStep ? { beforeStep: options.beforeStep } : {})
  });
  return { plan, result };
}

/** The rewrite maps a finished restore applied: source id -> new id (items and groups). */
export function idMapOf(result: RestoreResult): Map<string, string> {
  const ids = new Map<string, string>();
  for (const s of result.steps) if (s.kind !== 'folder' && s.newId && s.oldId && s.newId !== s.oldId) ids.set(s.oldId, s.newId);
  return ids;
}

const PROPERTY_FIELDS = ['title', 'type', 'typeKeywords', 'description', 'snippet', 'tags', 'accessInformation', 'licenseInfo', 'culture', 'url', 'extent', 'spatialReference', 'properties', 'name', 'protected', 'access'] as const;

/**
 * Asserts that the live item `liveId` equals the snapshot's entry in every part, with references rewritten by `maps`
 * (and the title changed by `titleSuffix` for copies). Server-managed fields (id, created, modified, size, numViews)
 * are ignored; the owner and folder are compared by name.
 */
export async function expectItemMatches(
  emu: EmulatorHandle,
  store: Store,
  content: SnapshotContent,
  entry: ItemEntry,
  liveId: string,
  maps: RewriteMaps,
  options: { titleSuffix?: string; owner?: string; folder?: string | null } = {}
): Promise<void> {
  const at = `${entry.id} "${entry.title}" -> ${liveId}`;
  const record = emu.context.state.items.get(liveId);
  expect(record, `${at} exists`).toBeDefined();
  const live = record!;
  const rewrite = stringRewriter(maps);
  const snap = await store.getJson<Record<string, unknown>>(entry.item!.hash);
  const expected: Record<string, unknown> = {};
  const actual: Record<string, unknown> = {};
  for (const field of PROPERTY_FIELDS) {
    let value = snap[field] ?? null;
    if (typeof value === 'string') value = rewrite(value);
    if (Array.isArray(value) && field === 'typeKeywords') value = value.map((v) => rewrite(String(v)));
    if (field === 'properties' && value) value = JSON.parse(rewriteJsonText(JSON.stringify(value), maps).text);
    if (field === 'title') value = `${String(value)}${options.titleSuffix ?? ''}`;
    // A hosted layer's item is named after its service, whose name the restore chose (ArcGIS cannot rename one).
    if (field === 'name' && entry.service && typeof snap.url === 'string') value = decodeURIComponent(rewrite(snap.url).split('/').at(-2) ?? '');
    if (field === 'protected') value = Boolean(value);
    if (field === 'extent' && Array.isArray(value) && value.length === 0) value = null;
    expected[field] = value;
    let got = (live.json as unknown as Record<string, unknown>)[field] ?? null;
    if (field === 'protected') got = Boolean(got);
    if (field === 'extent' && Array.isArray(got) && got.length === 0) got = null;
    actual[field] = got;
  }
  expect(actual, `${at} properties`).toEqual(expected);
  const owner = options.owner ?? entry.owner;
  expect(live.json.owner.toLowerCase(), `${at} owner`).toBe(owner.toLowerCase());
  const folderTitle = (username: string, id: string | null | undefined) => (id ? (emu.context.state.foldersOf(username).find((f) => f.id === id)?.title ?? `?${id}`) : null);
  const snapFolder = entry.folderId ? (content.users.get(entry.owner.toLowerCase())?.folders?.find((f) => f.id === entry.folderId)?.title ?? null) : null;
  expect(folderTitle(live.json.owner, live.json.ownerFolder), `${at} folder`).toBe(options.folder === undefined ? snapFolder : options.folder);

  // Data: rewritten unless the catalogue lists it only (a notebook's code); an item that names its own folder
  // (Workforce) names the target's.
  const spec = itemTypeOf(entry);
  const partMaps: RewriteMaps =
    entry.folderId && live.json.ownerFolder && spec?.references.some((r) => r.kind === 'folder') ? { ids: new Map([...maps.ids, [entry.folderId, live.json.ownerFolder]]), urls: maps.urls } : maps;
  if (!entry.data) expect(live.data, `${at} data`).toBeNull();
  else if (entry.data.kind === 'json') {
    expect(live.data?.kind, `${at} data kind`).toBe('json');
    const text = (await store.blobs.get(entry.data.hash)).toString('utf8');
    const want = JSON.parse(rewritesData(spec) ? rewriteJsonText(text, partMaps).text : text) as unknown;
    expect(JSON.parse((live.data as { text: string }).text), `${at} data`).toEqual(want);
  } else {
    expect(live.data?.kind, `${at} data kind`).toBe('file');
    const file = live.data as { blob: { read(): Buffer }; filename: string };
    let want = await store.blobs.get(entry.data.hash);
    // A Survey123 form's package names its service, views and own id inside (survey-package.ts rewrites them).
    if (entry.type === 'Form') want = (await rewriteFile(`${rewrite(entry.data.filename ?? 'data')}.zip`, want, maps)).bytes;
    if (entry.type === 'Form') expect(await zipFiles(file.blob.read()), `${at} data files`).toEqual(await zipFiles(want));
    else expect(file.blob.read().equals(want), `${at} data bytes`).toBe(true);
    if (entry.data.filename) expect(file.filename, `${at} data file name`).toBe(rewrite(entry.data.filename));
  }
  // Resources, byte for byte (JSON ones with references rewritten).
  const wantPaths = (entry.resources ?? []).map((r) => r.path).sort();
  expect([...live.resources.keys()].sort(), `${at} resources`).toEqual(wantPaths);
  for (const r of entry.resources ?? []) {
    let want = await store.blobs.get(r.hash);
    if (rewritesResource(spec, r.path)) want = Buffer.from(rewriteJsonText(want.toString('utf8'), partMaps).text);
    else if (entry.type === 'Form') want = (await rewriteFile(r.path, want, partMaps)).bytes;
    const got = live.resources.get(r.path)!.blob.read();
    if (entry.type === 'Form' && /\.(xlsx|zip)$/i.test(r.path)) expect(await zipFiles(got), `${at} resource ${r.path}`).toEqual(await zipFiles(want));
    else expect(got.equals(want), `${at} resource ${r.path}`).toBe(true);
  }
  // Thumbnail and metadata.
  if (entry.thumbnail) expect(live.thumbnailBlob?.read().equals(await store.blobs.get(entry.thumbnail.hash)), `${at} thumbnail`).toBe(true);
  else expect(live.thumbnailBlob, `${at} thumbnail`).toBeNull();
  if (entry.metadata) expect(live.metadataXml?.read().equals(await store.blobs.get(entry.metadata.hash)), `${at} metadata`).toBe(true);
  // Sharing.
  const groups = (entry.sharing?.groups ?? []).map((g) => maps.ids.get(g) ?? g).sort();
  expect({ access: live.json.access, groups: [...live.groups].sort() }, `${at} sharing`).toEqual({ access: entry.sharing?.access ?? 'private', groups });
}

/** Every string in the organization's item data, item URLs and resources that mentions `text`. */
export function mentionsOf(emu: EmulatorHandle, text: string): string[] {
  const hits: string[] = [];
  const needle = text.toLowerCase();
  for (const item of orgItems(emu)) {
    const where = `${item.json.id} "${item.json.title}"`;
    if (item.data?.kind === 'json' && item.data.text.toLowerCase().includes(needle)) hits.push(`${where} data`);
    if (typeof item.json.url === 'string' && item.json.url.toLowerCase().includes(needle)) hits.push(`${where} url`);
    for (const [path, r] of item.resources) if (path.endsWith('.json') && r.blob.read().toString('utf8').toLowerCase().includes(needle)) hits.push(`${where} resource ${path}`);
    if (item.json.properties && JSON.stringify(item.json.properties).toLowerCase().includes(needle)) hits.push(`${where} properties`);
  }
  return hits;
}

/** A ZIP's files by name (nested ZIPs and XLSX files opened too, as `outer!inner`), to compare packages by content. */
export async function zipFiles(bytes: Buffer, prefix = ''): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const zip = await new Promise<yauzl.ZipFile>((done, fail) => yauzl.fromBuffer(bytes, { lazyEntries: true }, (e, z) => (e ? fail(e) : done(z))));
  const entries: { name: string; data: Buffer }[] = [];
  await new Promise<void>((done, fail) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return fail(error);
        const parts: Buffer[] = [];
        stream.on('data', (c: Buffer) => parts.push(c));
        stream.on('error', fail);
        stream.on('end', () => {
          entries.push({ name: entry.fileName, data: Buffer.concat(parts) });
          zip.readEntry();
        });
      });
    });
    zip.on('end', done);
    zip.on('error', fail);
    zip.readEntry();
  });
  for (const e of entries) {
    if (/\.(xlsx|zip)$/i.test(e.name)) Object.assign(files, await zipFiles(e.data, `${prefix}${e.name}!`));
    else files[`${prefix}${e.name}`] = e.data.toString('base64');
  }
  return files;
}

/**
 * Survey123 forms of the organization whose package or resources mention `text` (in a file name or a file); the
 * `ignore` strings (e.g. service names that carry an old form id) are taken out of each text first.
 */
export async function formMentionsOf(emu: EmulatorHandle, text: string, ignore: string[] = []): Promise<string[]> {
  const hits: string[] = [];
  const needle = text.toLowerCase();
  const clean = (value: string) => ignore.reduce((t, i) => t.split(i.toLowerCase()).join(''), value.toLowerCase());
  for (const item of orgItems(emu)) {
    if (item.json.type !== 'Form') continue;
    const where = `${item.json.id} "${item.json.title}"`;
    if (String(item.json.name ?? '').toLowerCase().includes(needle)) hits.push(`${where} name`);
    const packages: [string, Buffer][] = [];
    if (item.data?.kind === 'file') packages.push(['data', item.data.blob.read()]);
    for (const [path, r] of item.resources) {
      if (/\.(xlsx|zip)$/i.test(path)) packages.push([`resource ${path}`, r.blob.read()]);
      else if (clean(r.blob.read().toString('utf8')).includes(needle)) hits.push(`${where} resource ${path}`);
    }
    for (const [part, bytes] of packages) {
      for (const [name, data] of Object.entries(await zipFiles(bytes))) {
        if (name.toLowerCase().includes(needle) || clean(Buffer.from(data, 'base64').toString('utf8')).includes(needle)) hits.push(`${where} ${part} ${name}`);
      }
    }
  }
  return hits;
}
