/**
 * `check`: is every snapshot whole? Structure (every referenced blob exists, every list readable) and, with
 * `readData`, content (re-hash all or a random share of the referenced blobs). Results are data, never an exception
 * halfway: a damaged store is exactly what check must be able to describe.
 */
import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { runPool } from '../lib/task-pool.js';
import { DiskStoreBackend } from './backend/disk/disk-store-backend.js';
import { type BlobOwner, describeOwner, walkSnapshot } from './manifest-walk.js';
import type { SnapshotManifest } from './manifest.js';
import type { Store, UnreadableSnapshot } from './store.js';
import { type JournalSummary, listJournals } from './journal.js';
import { describeError, errnoCode } from './store-error.js';

export interface CheckOptions {
  /** Re-hash blobs: `true` or 100 for all, a number in (0, 100] for that random percentage. */
  readData?: boolean | number;
  /** Progress callback (phases: snapshots, blobs, read-data, affected). */
  onProgress?: (progress: { phase: 'snapshots' | 'blobs' | 'read-data' | 'affected'; done: number; total: number }) => void;
  /** Random source for the read-data sample (tests pass a seeded one). */
  random?: () => number;
  /** Blobs re-hashed at once (default 4). */
  concurrency?: number;
}

export interface AffectedSnapshot {
  snapshotId: string;
  snapshotName: string;
  items: { id: string; title: string; parts: string[] }[];
  groups: { id: string; title: string; parts: string[] }[];
  users: { username: string; parts: string[] }[];
  /** List pages: when one is damaged, every entry on it is unknown. */
  lists: string[];
}

export interface BlobProblem {
  hash: string;
  problem: 'missing' | 'corrupt';
  detail?: string;
  affects: AffectedSnapshot[];
}

export interface UnreadableListProblem {
  snapshotId: string;
  hash: string;
  what: string;
  error: string;
}

export interface CheckResult {
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  snapshots: { total: number; unreadable: UnreadableSnapshot[] };
  blobs: {
    /** Distinct blobs referenced by the readable snapshots. */
    referenced: number;
    /** Blobs in the store. */
    stored: number;
    /** Stored blobs no snapshot references (prune removes them; not an error). */
    unreferenced: number;
    /** Blobs re-hashed (read-data). */
    read: number;
    readPercent: number;
  };
  /** Missing and corrupt blobs, each with the snapshots and items it affects. */
  problems: BlobProblem[];
  /** Lists (item pages, attachment lists) that could not be read, so their entries could not be checked. */
  unreadableLists: UnreadableListProblem[];
  /** Runs that were interrupted and can be resumed (information, not an error). */
  journals: JournalSummary[];
  /** Failures of check itself (a folder that cannot be listed, ...). */
  errors: string[];
  /**
   * Things that do not damage a snapshot but should be fixed: store folders or files that group or others may read,
   * write or enter (the organization's content should be readable by the account running OrgKeeper only).
   */
  warnings: string[];
}

export async function check(store: Store, options: CheckOptions = {}): Promise<CheckResult> {
  const startedAt = new Date().toISOString();
  const readPercent = options.readData === true ? 100 : typeof options.readData === 'number' ? Math.min(100, Math.max(0, options.readData)) : 0;
  const result: CheckResult = {
    ok: false,
    startedAt,
    finishedAt: startedAt,
    snapshots: { total: 0, unreadable: [] },
    blobs: { referenced: 0, stored: 0, unreferenced: 0, read: 0, readPercent },
    problems: [],
    unreadableLists: [],
    journals: [],
    errors: [],
    warnings: []
  };
  result.warnings.push(...(await permissionWarnings(store)));

  let snapshots = await listSnapshots(store, result);
  const stored = await listBlobs(store, result, options);
  const { referenced, corrupt } = await walkReferences(store, snapshots, result, options);
  result.blobs.referenced = referenced.size;
  result.blobs.unreferenced = [...stored].filter((hash) => !referenced.has(hash)).length;
  const missing = new Set([...referenced].filter((hash) => !stored.has(hash)));
  if (readPercent > 0) {
    const candidates = [...referenced].filter((hash) => stored.has(hash) && !corrupt.has(hash));
    const sample = readPercent >= 100 ? candidates : pickRandom(candidates, Math.ceil((candidates.length * readPercent) / 100), options.random ?? Math.random);
    await readData(store, sample, { missing, corrupt }, options);
    result.blobs.read = sample.length;
  }

  // Check takes no lock (it must not wait for a backup). A prune running meanwhile may have deleted a forgotten
  // snapshot's blobs after we listed it: problems of snapshots that no longer exist are not problems.
  if (missing.size > 0 || corrupt.size > 0 || result.unreadableLists.length > 0) {
    try {
      const still = new Set((await store.listSnapshots()).snapshots.map((s) => s.id));
      snapshots = snapshots.filter((s) => still.has(s.id));
      result.unreadableLists = result.unreadableLists.filter((u) => still.has(u.snapshotId));
    } catch (error) {
      result.errors.push(`Cannot list snapshots: ${describeError(error)}`);
    }
  }
  result.problems = await affectedSnapshots(store, snapshots, { missing, corrupt }, result, options);

  try {
    result.journals = await listJournals(store);
  } catch (error) {
    result.errors.push(`Cannot list journals: ${describeError(error)}`);
  }
  result.ok = result.problems.length === 0 && result.unreadableLists.length === 0 && result.snapshots.unreadable.length === 0 && result.errors.length === 0;
  result.finishedAt = new Date().toISOString();
  return result;
}

/** Blobs found bad so far: missing ones, and corrupt ones with what is wrong. */
interface BadBlobs {
  missing: Set<string>;
  corrupt: Map<string, string>;
}

async function listSnapshots(store: Store, result: CheckResult): Promise<SnapshotManifest[]> {
  try {
    const listing = await store.listSnapshots();
    result.snapshots = { total: listing.snapshots.length + listing.unreadable.length, unreadable: listing.unreadable };
    return listing.snapshots;
  } catch (error) {
    result.errors.push(`Cannot list snapshots: ${describeError(error)}`);
    return [];
  }
}

async function listBlobs(store: Store, result: CheckResult, options: CheckOptions): Promise<Set<string>> {
  const stored = new Set<string>();
  try {
    for await (const blob of store.blobs.list()) stored.add(blob.hash);
  } catch (error) {
    result.errors.push(`Cannot list blobs: ${describeError(error)}`);
  }
  result.blobs.stored = stored.size;
  options.onProgress?.({ phase: 'blobs', done: stored.size, total: stored.size });
  return stored;
}

/** Pass 1: which blobs are referenced, which lists cannot be read. Only distinct hashes are kept in memory. */
async function walkReferences(store: Store, snapshots: SnapshotManifest[], result: CheckResult, options: CheckOptions): Promise<{ referenced: Set<string>; corrupt: Map<string, string> }> {
  const referenced = new Set<string>();
  const corrupt = new Map<string, string>();
  for (const [index, snapshot] of snapshots.entries()) {
    try {
      for await (const event of walkSnapshot(store.blobs, snapshot)) {
        referenced.add(event.hash);
        if (event.type === 'unreadable') {
          result.unreadableLists.push({ snapshotId: snapshot.id, hash: event.hash, what: describeOwner(event.owner), error: event.error });
          if (event.code === 'blob_corrupt' || event.code === 'store_corrupt') corrupt.set(event.hash, event.error);
        }
      }
    } catch (error) {
      result.errors.push(`Cannot walk snapshot ${snapshot.id}: ${describeError(error)}`);
    }
    options.onProgress?.({ phase: 'snapshots', done: index + 1, total: snapshots.length });
  }
  return { referenced, corrupt };
}

/** Re-hashes the sampled blobs (read-data), adding those found bad. */
async function readData(store: Store, sample: string[], bad: BadBlobs, options: CheckOptions): Promise<void> {
  let done = 0;
  // Each blob's verdict is recorded by its task, which never throws.
  await runPool(sample, { concurrency: options.concurrency ?? 4, onError: 'stop' }, async (hash) => {
    try {
      const verdict = await store.blobs.verify(hash);
      if (verdict.status === 'corrupt') bad.corrupt.set(hash, verdict.detail);
      else if (verdict.status === 'missing') bad.missing.add(hash); // deleted since listing
    } catch (error) {
      bad.corrupt.set(hash, `cannot be read: ${describeError(error)}`);
    }
    done += 1;
    options.onProgress?.({ phase: 'read-data', done, total: sample.length });
  });
}

/** Pass 2, only when something is wrong: who is affected by each bad blob. */
async function affectedSnapshots(store: Store, snapshots: SnapshotManifest[], found: BadBlobs, result: CheckResult, options: CheckOptions): Promise<BlobProblem[]> {
  const bad = new Map<string, BlobProblem>();
  for (const hash of found.missing) bad.set(hash, { hash, problem: 'missing', affects: [] });
  for (const [hash, detail] of found.corrupt) if (!bad.has(hash)) bad.set(hash, { hash, problem: 'corrupt', detail, affects: [] });
  if (bad.size > 0) {
    for (const [index, snapshot] of snapshots.entries()) {
      const affected = new Map<string, AffectedSnapshot>();
      try {
        for await (const event of walkSnapshot(store.blobs, snapshot)) {
          const problem = event.type === 'blob' ? bad.get(event.hash) : undefined;
          if (!problem) continue;
          let entry = affected.get(event.hash);
          if (!entry) {
            entry = { snapshotId: snapshot.id, snapshotName: snapshot.name, items: [], groups: [], users: [], lists: [] };
            affected.set(event.hash, entry);
            problem.affects.push(entry);
          }
          addOwner(entry, event.owner);
        }
      } catch (error) {
        result.errors.push(`Cannot walk snapshot ${snapshot.id}: ${describeError(error)}`);
      }
      options.onProgress?.({ phase: 'affected', done: index + 1, total: snapshots.length });
    }
  }
  // A bad blob no remaining snapshot references was only referenced by snapshots deleted meanwhile.
  return [...bad.values()].filter((p) => p.affects.length > 0).sort((a, b) => (a.hash < b.hash ? -1 : 1));
}

function addOwner(entry: AffectedSnapshot, owner: BlobOwner): void {
  switch (owner.kind) {
    case 'list':
      entry.lists.push(describeOwner(owner));
      return;
    case 'item': {
      const item = entry.items.find((i) => i.id === owner.id) ?? entry.items[entry.items.push({ id: owner.id, title: owner.title, parts: [] }) - 1]!;
      item.parts.push(owner.part);
      return;
    }
    case 'group': {
      const group = entry.groups.find((g) => g.id === owner.id) ?? entry.groups[entry.groups.push({ id: owner.id, title: owner.title, parts: [] }) - 1]!;
      group.parts.push(owner.part);
      return;
    }
    case 'user': {
      const user = entry.users.find((u) => u.username === owner.username) ?? entry.users[entry.users.push({ username: owner.username, parts: [] }) - 1]!;
      user.parts.push(owner.part);
    }
  }
}

/** A uniform random sample of `count` elements (partial Fisher-Yates). */
function pickRandom<T>(values: T[], count: number, random: () => number): T[] {
  const copy = [...values];
  const n = Math.min(count, copy.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/**
 * Warnings for the store's root, store.json, blobs and snapshots folders when group or others have any access to them.
 * (Everything OrgKeeper creates in a store is 0600/0700; a store copied or created by hand may not be.) POSIX only.
 */
export async function permissionWarnings(store: Store): Promise<string[]> {
  // Object storage has no file modes: who may read it is the bucket's or container's access policy.
  if (process.platform === 'win32' || !(store.backend instanceof DiskStoreBackend)) return [];
  const paths = store.backend.paths;
  const warnings: string[] = [];
  for (const path of [paths.root, paths.config, paths.blobs, paths.snapshots]) {
    let mode: number;
    let folder: boolean;
    try {
      const info = await lstat(path);
      mode = info.mode & 0o777;
      folder = info.isDirectory();
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') warnings.push(`Cannot read the permissions of ${path}: ${describeError(error)}.`);
      continue;
    }
    const open = describeAccess(mode, folder);
    if (!open) continue;
    const what = path === paths.root ? 'The store folder' : `The store's ${basename(path)}${folder ? ' folder' : ''}`;
    warnings.push(
      `${what} ${path} is ${open} (mode ${mode.toString(8).padStart(3, '0')}): other accounts on this server can reach the organization's backups. ` +
        `Run \`chmod ${folder ? '700' : '600'} ${path}\`${path === paths.root ? ' (the next backup does this itself when the account running OrgKeeper owns the folder)' : ''}.`
    );
  }
  return warnings;
}

/** "readable by group and others", "writable by others", ...; undefined when only the owner has access. */
function describeAccess(mode: number, folder: boolean): string | undefined {
  const who = (bits: number) => [(mode & (bits << 3)) !== 0 ? 'group' : '', (mode & bits) !== 0 ? 'others' : ''].filter(Boolean).join(' and ');
  const parts = [
    ['readable', who(0o4)],
    ['writable', who(0o2)],
    [folder ? 'enterable' : 'executable', who(0o1)]
  ].filter(([, whom]) => whom !== '');
  return parts.length === 0 ? undefined : parts.map(([access, whom]) => `${access} by ${whom}`).join(', ');
}

/** A short human summary of a check result, for logs and the CLI. */
export function summarizeCheck(result: CheckResult): string {
  const warnings = result.warnings.map((w) => `Warning: ${w}`);
  if (result.ok) {
    return [`No problems: ${result.snapshots.total} snapshots, ${result.blobs.referenced} blobs referenced${result.blobs.read ? `, ${result.blobs.read} re-hashed` : ''}.`, ...warnings].join('\n');
  }
  const lines: string[] = [];
  for (const u of result.snapshots.unreadable) lines.push(`Snapshot ${u.id} cannot be read: ${u.error}`);
  for (const p of result.problems) {
    const items = p.affects.flatMap((a) => a.items.map((i) => `${i.id} "${i.title}"`));
    lines.push(`Blob ${p.hash} is ${p.problem}${p.detail ? ` (${p.detail})` : ''}; affects snapshots ${p.affects.map((a) => a.snapshotId).join(', ') || 'none'}${items.length ? `; items ${[...new Set(items)].slice(0, 10).join(', ')}` : ''}`);
  }
  for (const l of result.unreadableLists) lines.push(`Snapshot ${l.snapshotId}: ${l.what} cannot be read (${l.error})`);
  lines.push(...result.errors, ...warnings);
  return lines.join('\n');
}
