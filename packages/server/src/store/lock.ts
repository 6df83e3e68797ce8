/**
 * The store's lock: one writer at a time, with a heartbeat so a crashed writer's lock is taken over safely.
 *
 * `locks/lock.json` is created with O_EXCL (exactly one creator wins, also on NFS v3+ and SMB). Its holder rewrites it
 * every `heartbeatMs`. A lock is stale when its holder is on this host and its process is gone, or when its heartbeat
 * is older than `staleAfterMs` (a holder on another machine, or a frozen one). Taking over a stale lock happens under a
 * short-lived second lock (`locks/takeover`, also O_EXCL): the taker re-reads the lock, checks it is still the same
 * stale lock, renames it away to a unique name and then competes for an ordinary O_EXCL create, so two takers can
 * never both win. A holder whose lock was taken over (because its heartbeat stalled) learns it at its next heartbeat:
 * `signal` aborts with `lock_lost`, and long work must stop writing.
 *
 * One lock for every kind: a backup ('write') and prune ('exclusive') never run at the same time, which is what makes
 * prune safe against a running backup. The kind and operation are recorded to tell users who holds the store.
 */
import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { ensureDir, readTextIfExists, writeFileAtomic } from './fs-util.js';
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
/** A takeover holds `locks/takeover` for milliseconds; one older than this was left by a crashed taker. */
const TAKEOVER_STALE_MS = 30_000;
const LOCK_FILE = 'lock.json';
const TAKEOVER_FILE = 'takeover';

/** Tokens of locks held by this process: another acquire in the same process must see them as live. */
const heldTokens = new Set<string>();

export interface LockState {
  info: LockInfo | undefined;
  stale: boolean;
  /** Why it is (not) stale, in words for a message. */
  reason: string;
  /** The raw file, to detect that it changed between two reads. */
  raw: string;
}

export class StoreLock extends HeartbeatFile {
  readonly info: LockInfo;
  /** The stale lock this one replaced, if any (for the operation's log). */
  readonly tookOver: LockState | undefined;
  /** Partial writes of crashed writers removed when the lock was taken. */
  cleanedTemporaryFiles = 0;

  constructor(
    private readonly lockPath: string,
    info: LockInfo,
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
    const current = await readLockFile(this.lockPath);
    if (current?.info?.token !== this.info.token) {
      this.markLost(current?.info ? `it is now held by ${describeHolder(current.info)}` : 'its lock file was removed');
      return undefined;
    }
    const beat = new Date();
    const updated: LockInfo = { ...this.info, heartbeatAt: beat.toISOString() };
    await writeFileAtomic(this.lockPath, JSON.stringify(updated));
    (this.info as { heartbeatAt: string }).heartbeatAt = updated.heartbeatAt;
    return beat;
  }

  protected async removeFile(): Promise<void> {
    const current = await readLockFile(this.lockPath).catch(() => undefined);
    if (current?.info?.token === this.info.token) await rm(this.lockPath, { force: true });
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

async function readLockFile(path: string): Promise<LockState | undefined> {
  const raw = await readTextIfExists(path);
  if (raw === undefined) return undefined;
  let info: LockInfo | undefined;
  try {
    const parsed = JSON.parse(raw) as Partial<LockInfo>;
    if (typeof parsed.token === 'string' && typeof parsed.pid === 'number' && typeof parsed.hostname === 'string' && typeof parsed.heartbeatAt === 'string') {
      info = parsed as LockInfo;
    }
  } catch {
    info = undefined; // a holder that crashed between create and write leaves an empty file
  }
  return { info, stale: false, reason: '', raw };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // exists, owned by another user
  }
}

async function judge(path: string, state: LockState, staleAfterMs: number): Promise<LockState> {
  const { info } = state;
  const now = Date.now();
  if (info === undefined) {
    // Unreadable lock: judge by the file's age instead of a heartbeat.
    const age = await stat(path).then(
      (s) => now - s.mtimeMs,
      () => 0
    );
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
  const path = join(store.paths.locks, LOCK_FILE);
  const state = await readLockFile(path);
  return state === undefined ? undefined : judge(path, state, options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
}

/**
 * Take the store's lock, taking over a stale one. On success, cleans partial writes left in tmp/ by crashed writers
 * (safe: we are the only writer now). Throws `locked` with who holds it when another live process does.
 */
export async function acquireLock(store: Store, options: AcquireLockOptions): Promise<StoreLock> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(staleAfterMs / 4));
  const deadline = Date.now() + (options.waitMs ?? 0);
  const lockPath = join(store.paths.locks, LOCK_FILE);
  await ensureDir(store.paths.locks);
  let tookOver: LockState | undefined;
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
    if (await createExclusive(lockPath, JSON.stringify(info))) {
      const lock = new StoreLock(lockPath, info, { staleAfterMs, heartbeatMs, onLost: options.onLost }, tookOver);
      try {
        lock.cleanedTemporaryFiles = await store.cleanTemporaryFiles();
      } catch (error) {
        await lock.release();
        throw error;
      }
      return lock;
    }
    const current = await readLockFile(lockPath);
    if (current === undefined) continue; // released between our create and our read
    const judged = await judge(lockPath, current, staleAfterMs);
    if (judged.stale) {
      if (await takeOver(store.paths.locks, lockPath, judged, staleAfterMs)) tookOver = judged;
      continue;
    }
    if (judged.info === undefined && unreadableRetries++ < 10) {
      // Most likely caught between another process's O_EXCL create and its write: look again shortly, so the
      // answer names the holder.
      await sleep(20);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = judged.info ? describeHolder(judged.info) : 'a process that is still writing its lock file';
      throw new StoreError('locked', `The store at ${store.dir} is in use by ${who}; ${judged.reason}. Wait for it to finish. If that process is gone, its lock is taken over automatically once its heartbeat is ${Math.round(staleAfterMs / 1000)} s old.`);
    }
    await sleep(100 + Math.random() * 150);
  }
}

/** O_EXCL create + write + fsync. False when the file exists. */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/** Move a stale lock out of the way under the takeover lock. True when this call moved it. */
async function takeOver(locksDir: string, lockPath: string, stale: LockState, staleAfterMs: number): Promise<boolean> {
  const mutex = join(locksDir, TAKEOVER_FILE);
  if (!(await createExclusive(mutex, JSON.stringify({ pid: process.pid, hostname: hostname(), at: new Date().toISOString() })))) {
    const age = await stat(mutex).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0
    );
    if (age > TAKEOVER_STALE_MS) await rm(mutex, { force: true });
    else await sleep(20 + Math.random() * 50);
    return false;
  }
  try {
    // Still the same stale lock? Someone may have taken over and created a fresh one since we looked.
    const again = await readLockFile(lockPath);
    if (again === undefined || again.raw !== stale.raw) return false;
    const rejudged = await judge(lockPath, again, staleAfterMs);
    if (!rejudged.stale) return false;
    const aside = join(locksDir, `stale-${Date.now()}-${randomUUID()}.json`);
    try {
      await rename(lockPath, aside);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return false;
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== stale.raw) {
      // Defence in depth (the takeover lock makes this unreachable unless it was itself stale): we moved a live lock,
      // put it back if nobody has created one since.
      await link(aside, lockPath).catch(() => undefined);
      await unlink(aside).catch(() => undefined);
      return false;
    }
    await unlink(aside).catch(() => undefined);
    return true;
  } finally {
    await rm(mutex, { force: true });
  }
}
