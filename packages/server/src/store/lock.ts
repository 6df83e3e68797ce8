/**
 * The store's lock: one writer at a time, with a heartbeat so a crashed writer's lock is taken over safely.
 *
 * `locks/lock.json` is created exclusively (`StoreBackend.create`: a hard link or O_EXCL on disk, `If-None-Match: *`
 * on S3 and Azure), so exactly one creator wins. Its holder rewrites it every `heartbeatMs` with a compare-and-swap
 * on what it last wrote (`replace`: `If-Match: <etag>` on object storage, a short per-file mutex on disk), so a holder
 * whose lock was taken over cannot write over the new holder's. A lock is stale when its holder is on this host and
 * its process is gone, or when its heartbeat is older than `staleAfterMs` (a holder on another machine, or a frozen
 * one). A stale lock is taken over by a compare-and-swap on the stale content: of several takers exactly one wins. A
 * holder whose lock was taken over learns it at its next heartbeat: `signal` aborts with `lock_lost`, and long work
 * must stop writing.
 *
 * One lock for every kind: a backup ('write') and prune ('exclusive') never run at the same time, which is what makes
 * prune safe against a running backup. The kind and operation are recorded to tell users who holds the store.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StoreBackend } from './backend/store-backend.js';
import { HeartbeatFile } from './heartbeat-file.js';
import type { Store } from './store.js';
import { StoreError, errnoCode } from './store-error.js';

export type LockKind = 'write' | 'exclusive';

export interface LockInfo {
  pid: number;
  hostname: string;
  kind: LockKind;
  /** What the holder is doing, for messages: `backup`, `prune`, `forget`, ... */
  operation: string;
  startedAt: string;
  heartbeatAt: string;
  token: string;
}

export interface AcquireLockOptions {
  kind: LockKind;
  operation: string;
  /** A lock whose heartbeat is older than this is stale (default 2 minutes). */
  staleAfterMs?: number;
  /** How often the holder refreshes its heartbeat (default a quarter of staleAfterMs). */
  heartbeatMs?: number;
  /** Keep trying this long while another live process holds the lock (default 0: fail at once with `locked`). */
  waitMs?: number;
  /** Called once if the lock is lost (taken over or removed); `signal` aborts as well. */
  onLost?: (error: StoreError) => void;
}

export const DEFAULT_STALE_AFTER_MS = 2 * 60_000;
const LOCK_KEY = 'locks/lock.json';

/** Tokens of locks held by this process: another acquire in the same process must see them as live. */
const heldTokens = new Set<string>();

export interface LockState {
  info: LockInfo | undefined;
  stale: boolean;
  /** Why it is (not) stale, in words for a message. */
  reason: string;
  /** The raw file, to detect that it changed between two reads. */
  raw: string;
  /** What a compare-and-swap on this content compares. */
  etag: string;
  modifiedAt: Date;
}

export class StoreLock extends HeartbeatFile {
  readonly info: LockInfo;
  /** The stale lock this one replaced, if any (for the operation's log). */
  readonly tookOver: LockState | undefined;
  /** Partial writes of crashed writers removed when the lock was taken. */
  cleanedTemporaryFiles = 0;

  constructor(
    private readonly backend: StoreBackend,
    info: LockInfo,
    /** The etag of what this holder last wrote. */
    private etag: string,
    options: Required<Pick<AcquireLockOptions, 'staleAfterMs' | 'heartbeatMs'>> & Pick<AcquireLockOptions, 'onLost'>,
    tookOver: LockState | undefined
  ) {
    super(options);
    this.info = info;
    this.tookOver = tookOver;
    heldTokens.add(info.token);
  }

  /** Throws `lock_lost` if the lock was lost; call before irreversible steps (writing a snapshot, deleting blobs). */
  assertHeld(): void {
    if (this.signal.aborted) throw this.signal.reason as StoreError;
    if (this.released) throw new StoreError('lock_lost', 'The store lock was already released.');
  }

  protected async renew(): Promise<Date | undefined> {
    const beat = new Date();
    const updated: LockInfo = { ...this.info, heartbeatAt: beat.toISOString() };
    const bytes = Buffer.from(JSON.stringify(updated));
    let etag = await this.backend.replace(LOCK_KEY, bytes, this.etag);
    if (etag === undefined) {
      const current = await readLockFile(this.backend);
      if (current?.info?.token !== this.info.token) {
        this.markLost(current?.info ? `it is now held by ${describeHolder(current.info)}` : 'its lock file was removed');
        return undefined;
      }
      // Still ours (only we write our token): an earlier beat went through although its answer was lost.
      etag = await this.backend.replace(LOCK_KEY, bytes, current.etag);
      if (etag === undefined) return undefined; // changed again meanwhile: the next beat tells
    }
    this.etag = etag;
    (this.info as { heartbeatAt: string }).heartbeatAt = updated.heartbeatAt;
    return beat;
  }

  protected async removeFile(): Promise<void> {
    const current = await readLockFile(this.backend).catch(() => undefined);
    if (current?.info?.token === this.info.token) await this.backend.delete(LOCK_KEY, { ifMatch: current.etag });
  }

  protected forgetHeld(): void {
    heldTokens.delete(this.info.token);
  }

  protected lostError(why: string): StoreError {
    return new StoreError('lock_lost', `The store lock for ${this.info.operation} was lost: ${why}. Stop writing; run the ${this.info.operation} again.`);
  }
}

function describeHolder(info: LockInfo): string {
  return `${info.operation} (pid ${info.pid} on ${info.hostname}, started ${info.startedAt})`;
}

async function readLockFile(backend: StoreBackend): Promise<LockState | undefined> {
  const found = await backend.read(LOCK_KEY);
  if (found === undefined) return undefined;
  const raw = found.bytes.toString('utf8');
  let info: LockInfo | undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof parsed.token === 'string' && typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.heartbeatAt === 'string') {
      info = parsed as LockInfo;
    }
  } catch {
    info = undefined; // a holder that crashed between create and write leaves an empty file
  }
  return { info, stale: false, reason: '', raw, etag: found.etag, modifiedAt: found.modifiedAt };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // exists, owned by another user
  }
}

function judge(state: LockState, staleAfterMs: number): LockState {
  const { info } = state;
  const now = Date.now();
  if (info === undefined) {
    // Unreadable lock: judge by the file's age instead of a heartbeat.
    const age = now - state.modifiedAt.getTime();
    return age > staleAfterMs
      ? { ...state, stale: true, reason: `the lock file is unreadable and ${Math.round(age / 1000)} s old` }
      : { ...state, stale: false, reason: 'the lock file is being written' };
  }
  return { ...state, ...judgeHolder(info, staleAfterMs, (token) => heldTokens.has(token), now) };
}

/** Who holds a lock or a pin: enough to tell whether it is still alive. */
export interface HolderInfo {
  pid: number;
  hostname: string;
  heartbeatAt: string;
  /** Unique per lock or pin, so this process can tell its own from a previous incarnation's with the same pid. */
  token: string;
}

/**
 * The liveness rule shared by the lock and snapshot pins: stale when the holder is on this host and its process is
 * gone (or it is this process, but not one of `heldHere`'s tokens), or when its heartbeat is older than `staleAfterMs`.
 */
export function judgeHolder(info: HolderInfo, staleAfterMs: number, heldHere: (token: string) => boolean, now = Date.now()): { stale: boolean; reason: string } {
  if (info.hostname === hostname() && !heldHere(info.token)) {
    // Our own pid with a token we do not hold: a previous incarnation (container restart reuses low pids).
    if (info.pid === process.pid || !processAlive(info.pid)) return { stale: true, reason: `process ${info.pid} on this host is gone` };
  }
  const age = now - Date.parse(info.heartbeatAt);
  if (Number.isFinite(age) && age > staleAfterMs) {
    return { stale: true, reason: `its last heartbeat was ${Math.round(age / 1000)} s ago` };
  }
  return { stale: false, reason: `its last heartbeat was ${Math.max(0, Math.round(age / 1000))} s ago` };
}

/** Who holds the store's lock, and whether that lock is stale. Undefined when the store is not locked. */
export async function readLock(store: Store, options: { staleAfterMs?: number } = {}): Promise<LockState | undefined> {
  const state = await readLockFile(store.backend);
  return state === undefined ? undefined : judge(state, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
}

/**
 * Take the store's lock, taking over a stale one. On success, cleans partial writes left in tmp/ by crashed writers
 * (safe: we are the only writer now). Throws `locked` with who holds it when another live process does.
 */
export async function acquireLock(store: Store, options: AcquireLockOptions): Promise<StoreLock> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(staleAfterMs / 4));
  const deadline = Date.now() + (options.waitMs ?? 0);
  const backend = store.backend;
  let unreadableRetries = 0;
  for (;;) {
    const now = new Date().toISOString();
    const info: LockInfo = {
      pid: process.pid,
      hostname: hostname(),
      kind: options.kind,
      operation: options.operation,
      startedAt: now,
      heartbeatAt: now,
      token: randomUUID()
    };
    const bytes = Buffer.from(JSON.stringify(info));
    const hold = async (etag: string, tookOver: LockState | undefined) => {
      const lock = new StoreLock(backend, info, etag, { staleAfterMs, heartbeatMs, onLost: options.onLost }, tookOver);
      try {
        lock.cleanedTemporaryFiles = await store.cleanTemporaryFiles();
      } catch (error) {
        await lock.release();
        throw error;
      }
      return lock;
    };
    const created = await backend.create(LOCK_KEY, bytes);
    if (created !== undefined) return hold(created, undefined);
    const current = await readLockFile(backend);
    if (current === undefined) continue; // released between our create and our read
    if (current.info?.token === info.token) return hold(current.etag, undefined); // ours: a retried create found its first attempt done
    const judged = judge(current, staleAfterMs);
    if (judged.stale) {
      // Compare-and-swap on the stale content: of several takers exactly one wins; a holder that just renewed wins too.
      const taken = await backend.replace(LOCK_KEY, bytes, judged.etag);
      if (taken !== undefined) return hold(taken, judged);
      continue;
    }
    if (judged.info === undefined && unreadableRetries++ < 10) {
      // Most likely caught between another process's O_EXCL create and its write (disk without hard links): look
      // again shortly, so the answer names the holder.
      await sleep(20);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = judged.info ? describeHolder(judged.info) : 'a process that is still writing its lock file';
      throw new StoreError('locked', `The store at ${store.location} is in use by ${who}; ${judged.reason}. Wait for it to finish. If that process is gone, its lock is taken over automatically once its heartbeat is ${Math.round(staleAfterMs / 1000)} s old.`);
    }
    await sleep(100 + Math.random() * 150);
  }
}
