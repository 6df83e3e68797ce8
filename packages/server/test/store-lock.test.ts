// The store lock across real processes: racing writers, a killed holder, racing takers of a stale lock.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { acquireLock, readLock } from '../src/store/lock.js';
import { type TestLocation, describeEachBackend, tempStoreOn } from '../src/store/testing/backends.js';
import { cleanUpAfterEach } from './support/child-cleanup.js';

const child = fileURLToPath(new URL('../src/store/testing/lock-child.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const { running, cleanups } = cleanUpAfterEach();

interface ChildEvent {
  pid: number;
  event: 'ready' | 'acquired' | 'locked' | 'releasing';
  tookOver?: string | null;
  message?: string;
  lost?: boolean;
}

function startChild(at: TestLocation, args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, at.text, ...args], { cwd: repoRoot, env: { ...process.env, ...at.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(proc);
  const events: ChildEvent[] = [];
  let stderr = '';
  let buffer = '';
  const waiters: (() => void)[] = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, nl)) as ChildEvent);
      buffer = buffer.slice(nl + 1);
      waiters.splice(0).forEach((w) => w());
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => {
    running.delete(proc);
    waiters.splice(0).forEach((w) => w());
    resolve(code);
  }));
  const waitFor = async (event: ChildEvent['event']): Promise<ChildEvent> => {
    for (;;) {
      const found = events.find((e) => e.event === event);
      if (found) return found;
      if (proc.exitCode !== null) throw new Error(`child exited without "${event}": ${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { proc, events, exited, waitFor, stderr: () => stderr, go: () => proc.stdin!.end('go\n') };
}

/** Start racing children and release them together once all have started. */
async function race(at: TestLocation, count: number) {
  const children = Array.from({ length: count }, () => startChild(at, ['stdin', '1500']));
  await Promise.all(children.map((c) => c.waitFor('ready')));
  for (const c of children) c.go();
  await Promise.all(children.map((c) => c.exited));
  return children;
}

describeEachBackend('store lock across processes', (kind, servers) => {
  async function fresh() {
    const t = await tempStoreOn(servers, kind);
    cleanups.push(t.cleanup);
    return t;
  }

  it('lets exactly one of several racing processes take the lock', async () => {
    const { at } = await fresh();
    // Each child loads the store in its own process: on object storage one round keeps the run short.
    for (let round = 0; round < (kind === 'disk' ? 2 : 1); round++) {
      const children = await race(at, 4);
      const outcomes = children.map((c) => c.events.find((e) => e.event === 'acquired' || e.event === 'locked'));
      expect(outcomes.filter((o) => o?.event === 'acquired'), children.map((c) => c.stderr()).join('\n')).toHaveLength(1);
      expect(outcomes.filter((o) => o?.event === 'locked')).toHaveLength(3);
      for (const o of outcomes.filter((o) => o?.event === 'locked')) expect(o!.message).toMatch(/in use by lock-test/);
    }
  }, 60_000);

  it('takes over at once the lock of a killed holder on this host', async () => {
    const { store, at } = await fresh();
    const holder = startChild(at, ['now', '600000']);
    const acquired = await holder.waitFor('acquired');
    await expect(acquireLock(store, { kind: 'write', operation: 'backup' })).rejects.toThrow(/in use by lock-test/);
    holder.proc.kill('SIGKILL');
    await holder.exited;
    expect((await readLock(store))?.stale).toBe(true);
    const lock = await acquireLock(store, { kind: 'write', operation: 'backup' });
    expect(lock.tookOver?.info?.pid).toBe(acquired.pid);
    expect(lock.tookOver?.reason).toMatch(/is gone/);
    await lock.release();
  }, 30_000);

  it('lets exactly one of several racing processes take over a stale lock from another host', async () => {
    const { store, at } = await fresh();
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    for (let round = 0; round < (kind === 'disk' ? 2 : 1); round++) {
      await store.backend.write('locks/lock.json', Buffer.from(JSON.stringify({ pid: 4242, hostname: 'other-host.example', kind: 'write', operation: 'backup', startedAt: old, heartbeatAt: old, token: `remote-${round}` })));
      const children = await race(at, 4);
      const acquired = children.flatMap((c) => c.events.filter((e) => e.event === 'acquired'));
      expect(acquired, children.map((c) => c.stderr()).join('\n')).toHaveLength(1);
      // Every taker tries a compare-and-swap on the same stale content: one wins, the others find a live lock.
      expect(children.flatMap((c) => c.events.filter((e) => e.event === 'locked'))).toHaveLength(3);
      expect(children.flatMap((c) => c.events.filter((e) => e.event === 'releasing')).map((e) => e.lost)).toEqual([false]);
    }
  }, 60_000);

  it('keeps a live holder that heartbeats beyond the stale timeout', async () => {
    const { store, at } = await fresh();
    const holder = startChild(at, ['now', '5000', '2000', '100']);
    await holder.waitFor('acquired');
    // Longer than the stale timeout: only the heartbeat keeps the lock alive.
    await new Promise((r) => setTimeout(r, 3000));
    await expect(acquireLock(store, { kind: 'write', operation: 'backup', staleAfterMs: 2000 })).rejects.toThrow(/in use by lock-test.*last heartbeat was [01] s ago/);
    expect((await holder.waitFor('releasing')).lost).toBe(false);
    await holder.exited;
  }, 30_000);
});
