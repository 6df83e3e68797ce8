/**
 * Snapshot pins: a reader (a restore, an export, a fix's undo) marks the snapshots it is reading so that `forget` keeps
 * them and, since their manifests stay, `prune` keeps their blobs. Readers do not take the store lock: a restore must
 * be able to run beside a backup, and several readers beside each other.
 *
 * `pins/<pinId>.json` `{format, version, pinId, snapshotIds, operation, pid, hostname, startedAt, heartbeatAt}`, written
 * atomically (`StoreBackend.write`) and refreshed every `heartbeatMs`. A pin is stale by the lock's rule (`judgeHolder` in lock.ts): its
 * process is gone (same host) or its heartbeat is older than `staleAfterMs`. Stale pins are ignored, and removed by
 * forget and prune.
 *
 * The race between pinning and deleting is closed by a short mutex, `pins/mutex` (created exclusively: O_EXCL or a
 * hard link on disk, `If-None-Match: *` on object storage; held for milliseconds):
 * pinning checks that every manifest exists and writes the pin under it, and deleting a manifest
 * (`deleteUnpinnedSnapshot`) re-reads the pins and unlinks under it. So either the pin comes first and the snapshot is
 * kept, or the deletion comes first and pinning fails with `snapshot_not_found`: a reader never holds a pin on a
 * snapshot that is gone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreBackend } from './backend/store-backend.js';
import { type HeartbeatTiming, HeartbeatFile } from './heartbeat-file.js';
import { DEFAULT_STALE_AFTER_MS, judgeHolder } from './lock.js';
import { assertSnapshotId } from './snapshot-id.js';
import { type Store, snapshotKey } from './store.js';
import { StoreError, errnoCode } from './store-error.js';

export const PIN_FORMAT = 'orgkeeper-pin';
export const PIN_VERSION = 1;
const PINS = 'pins/';
const MUTEX_KEY = 'pins/mutex';
/** The mutex is held for milliseconds; one older than this was left by a crashed process. */
const MUTEX_STALE_MS = 30_000;
/** How long to wait for the mutex before giving up (longer than MUTEX_STALE_MS, so a crashed holder never blocks). */
const MUTEX_WAIT_MS = 45_000;

export interface PinInfo {
  format: typeof PIN_FORMAT;
  version: typeof PIN_VERSION;
  pinId: string;
  snapshotIds: string[];
  /** What the reader is doing, for messages: `restore`, `export`, ... */
  operation: string;
  pid: number;
  hostname: string;
  startedAt: string;
  heartbeatAt: string;
}

export interface PinState {
  /** The file's name in `pins/`. */
  file: string;
  /** Undefined when the file cannot be read or parsed (a crash mid-write, or damage). */
  info: PinInfo | undefined;
  stale: boolean;
  /** Why it is (not) stale, in words for a message. */
  reason: string;
}

export interface PinOptions {
  operation: string;
  /** A pin whose heartbeat is older than this is stale (default 2 minutes, as the lock). */
  staleAfterMs?: number;
  /** How often the holder refreshes its heartbeat (default a quarter of staleAfterMs). */
  heartbeatMs?: number;
  /** Called once if the pin is lost (removed as stale and a pinned snapshot is gone meanwhile); `signal` aborts too. */
  onLost?: (error: StoreError) => void;
}

/** Pin ids held by this process: a pin file with our pid but another id is a previous incarnation's. */
const heldPins = new Set<string>();

export function describePin(info: PinInfo): string {
  return `${info.operation} (pid ${info.pid} on ${info.hostname}, since ${info.startedAt})`;
}

export class SnapshotPin extends HeartbeatFile {
  constructor(
    private readonly store: Store,
    readonly info: PinInfo,
    options: HeartbeatTiming,
    /** True on a read-only store: nothing was written, and nothing can forget or prune that store either. */
    readonly readOnly = false
  ) {
    super(options, !readOnly);
    if (!readOnly) heldPins.add(info.pinId);
  }

  private get key(): string {
    return pinKey(this.info.pinId);
  }

  protected async renew(): Promise<Date | undefined> {
    return withPinMutex(this.store, async () => {
      if (this.released) return undefined;
      const exists = await readPinFile(this.store.backend, this.key).then((info) => info?.pinId === this.info.pinId);
      if (!exists) {
        // Removed as stale (our heartbeat stalled): pin again if every snapshot is still there, else the reader
        // must learn that what it reads may be gone.
        const missing = await missingSnapshots(this.store, this.info.snapshotIds);
        if (missing.length > 0) {
          this.markLost(`snapshot ${missing.join(', ')} was removed while its pin had gone stale`);
          return undefined;
        }
      }
      const beat = new Date();
      const updated: PinInfo = { ...this.info, heartbeatAt: beat.toISOString() };
      await this.store.backend.write(this.key, Buffer.from(JSON.stringify(updated)));
      (this.info as { heartbeatAt: string }).heartbeatAt = updated.heartbeatAt;
      return beat;
    });
  }

  /** Never throws: a pin left behind goes stale and is cleared by forget or prune. */
  protected async removeFile(): Promise<void> {
    await this.store.backend.delete(this.key).catch(() => undefined);
  }

  protected forgetHeld(): void {
    heldPins.delete(this.info.pinId);
  }

  protected lostError(why: string): StoreError {
    return new StoreError('pin_lost', `The pin of ${this.info.operation} on snapshot ${this.info.snapshotIds.join(', ')} was lost: ${why}. Run the ${this.info.operation} again.`);
  }
}

/**
 * Pin snapshots for as long as they are read; call `release()` when done (in a `finally`). Throws
 * `snapshot_not_found` when one of them does not exist (any more), so a reader never relies on a deleted snapshot.
 */
export async function pinSnapshots(store: Store, snapshotIds: readonly string[], options: PinOptions): Promise<SnapshotPin> {
  const ids = [...new Set(snapshotIds)];
  if (ids.length === 0) throw new StoreError('invalid_id', 'Give at least one snapshot to pin.');
  for (const id of ids) assertSnapshotId(id);
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(staleAfterMs / 4));
  const now = new Date().toISOString();
  const info: PinInfo = { format: PIN_FORMAT, version: PIN_VERSION, pinId: randomUUID(), snapshotIds: ids, operation: options.operation, pid: process.pid, hostname: hostname(), startedAt: now, heartbeatAt: now };
  const assertPresent = async () => {
    const missing = await missingSnapshots(store, ids);
    if (missing.length > 0) throw new StoreError('snapshot_not_found', `Snapshot ${missing.join(', ')} is not in the store at ${store.location} (it may just have been forgotten).`);
  };
  try {
    await withPinMutex(store, async () => {
      await assertPresent();
      await store.backend.write(pinKey(info.pinId), Buffer.from(JSON.stringify(info)));
    });
  } catch (error) {
    // A store mounted read-only (a copy restored from tape, a read-only share) cannot be forgotten or pruned from here
    // either, so reading it needs no pin.
    if (errnoCode(error) !== 'EROFS') throw error;
    await assertPresent();
    return new SnapshotPin(store, info, { staleAfterMs, heartbeatMs }, true);
  }
  return new SnapshotPin(store, info, { staleAfterMs, heartbeatMs, onLost: options.onLost });
}

/** Every pin file, judged live or stale. */
export async function listPins(store: Store, options: { staleAfterMs?: number } = {}): Promise<PinState[]> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const states: PinState[] = [];
  const objects = [];
  for await (const object of store.backend.list(PINS)) objects.push(object);
  for (const object of objects.sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const file = object.key.slice(PINS.length);
    if (!file.endsWith('.json')) continue;
    let info: PinInfo | undefined;
    try {
      info = await readPinFile(store.backend, object.key);
    } catch {
      info = undefined;
    }
    if (info === undefined) {
      // Unreadable: judged by the file's age, so a damaged pin cannot protect a snapshot forever.
      const age = Date.now() - object.modifiedAt.getTime();
      states.push(age > staleAfterMs ? { file, info, stale: true, reason: `the pin file is unreadable and ${Math.round(age / 1000)} s old` } : { file, info, stale: false, reason: 'the pin file is unreadable' });
      continue;
    }
    states.push({ file, info, ...judgeHolder({ ...info, token: info.pinId }, staleAfterMs, (token) => heldPins.has(token)) });
  }
  return states;
}

/** Live pins by snapshot id. */
export async function pinnedSnapshots(store: Store, options: { staleAfterMs?: number } = {}): Promise<Map<string, PinInfo[]>> {
  return livePins(await listPins(store, options));
}

function livePins(states: readonly PinState[]): Map<string, PinInfo[]> {
  const byId = new Map<string, PinInfo[]>();
  for (const state of states) {
    if (state.stale || !state.info) continue;
    for (const id of state.info.snapshotIds) byId.set(id, [...(byId.get(id) ?? []), state.info]);
  }
  return byId;
}

/**
 * Remove stale pins, under the mutex and re-judged there, so a pin whose holder has just refreshed it is never
 * removed. Returns the pins removed.
 */
export async function clearStalePins(store: Store, options: { staleAfterMs?: number } = {}): Promise<PinState[]> {
  const cleared: PinState[] = [];
  if (!(await listPins(store, options)).some((p) => p.stale)) return cleared;
  await withPinMutex(store, async () => {
    for (const state of await listPins(store, options)) {
      if (!state.stale) continue;
      await store.backend.delete(`${PINS}${state.file}`);
      cleared.push(state);
    }
  });
  return cleared;
}

/**
 * Delete a snapshot's manifest unless a live pin holds it, atomically with respect to pinning. Returns the pins that
 * hold it (nothing deleted), or an empty list when it was deleted. Throws `snapshot_not_found` when it is not there.
 */
export async function deleteUnpinnedSnapshot(store: Store, id: string, options: { staleAfterMs?: number } = {}): Promise<PinInfo[]> {
  assertSnapshotId(id);
  return withPinMutex(store, async () => {
    const holders = (await pinnedSnapshots(store, options)).get(id) ?? [];
    if (holders.length > 0) return holders;
    if (!(await store.backend.delete(snapshotKey(id)))) throw new StoreError('snapshot_not_found', `Snapshot ${id} is not in the store at ${store.location}.`);
    return [];
  });
}

async function missingSnapshots(store: Store, ids: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const id of ids) if ((await store.backend.stat(snapshotKey(id))) === undefined) missing.push(id);
  return missing;
}

function pinKey(pinId: string): string {
  return `${PINS}${pinId}.json`;
}

async function readPinFile(backend: StoreBackend, key: string): Promise<PinInfo | undefined> {
  const found = await backend.read(key);
  if (found === undefined) return undefined;
  const value = JSON.parse(found.bytes.toString('utf8')) as Partial<PinInfo>;
  const valid =
    value.format === PIN_FORMAT &&
    typeof value.pinId === 'string' &&
    Array.isArray(value.snapshotIds) &&
    value.snapshotIds.every((id) => typeof id === 'string') &&
    typeof value.operation === 'string' &&
    typeof value.pid === 'number' &&
    typeof value.hostname === 'string' &&
    typeof value.heartbeatAt === 'string';
  return valid ? (value as PinInfo) : undefined;
}

/** Run `fn` holding `pins/mutex`; a mutex left by a crashed process is removed once it is MUTEX_STALE_MS old. */
async function withPinMutex<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  const backend = store.backend;
  const deadline = Date.now() + MUTEX_WAIT_MS;
  let etag: string | undefined;
  while ((etag = await backend.create(MUTEX_KEY, Buffer.from(JSON.stringify({ pid: process.pid, hostname: hostname(), at: new Date().toISOString() })))) === undefined) {
    const current = await backend.read(MUTEX_KEY);
    if (current !== undefined && Date.now() - current.modifiedAt.getTime() > MUTEX_STALE_MS) {
      await backend.delete(MUTEX_KEY, { ifMatch: current.etag });
      continue;
    }
    if (Date.now() > deadline) {
      throw new StoreError('locked', `The snapshot pins of the store at ${store.location} are busy (${backend.describeKey(MUTEX_KEY)} exists). If no OrgKeeper process is using this store, delete that file.`);
    }
    await sleep(5 + Math.random() * 20);
  }
  try {
    return await fn();
  } finally {
    await backend.delete(MUTEX_KEY, { ifMatch: etag });
  }
}
