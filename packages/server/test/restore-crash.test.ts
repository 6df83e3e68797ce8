/**
 * A restore SIGKILLed at random moments and run again ends with the same organization as an uninterrupted restore:
 * every deleted item back exactly once, equal to the snapshot, references rewritten, no restore marker left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestoreLogRow } from '../src/restore/restore.types.js';
import type { RestoreChildSettings } from './support/restore-child.js';
import { startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';
import { backUp, expectItemMatches, orgItems } from './support/restore-harness.js';

const CHILD = fileURLToPath(new URL('./support/restore-child.ts', import.meta.url));
const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ChildRun {
  child: ChildProcess;
  steps: RestoreLogRow[];
  done: Promise<{ result?: { counts: { ok: number; failed: number; skipped: number }; steps: RestoreLogRow[] }; code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves when the child has finished `n` steps. */
  afterSteps(n: number): Promise<void>;
}

function startChild(settings: RestoreChildSettings): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(settings)], { cwd: SERVER_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const steps: RestoreLogRow[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let result: { counts: { ok: number; failed: number; skipped: number }; steps: RestoreLogRow[] } | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { step?: RestoreLogRow; result?: typeof result };
    if (message.step) steps.push(message.step);
    if (message.result) result = message.result;
    for (const w of waiters.filter((x) => steps.length >= x.n)) w.resolve();
  });
  const done = new Promise<Awaited<ChildRun['done']>>((resolve) => child.once('exit', (code, signal) => setImmediate(() => resolve({ result, code, signal, stderr }))));
  return {
    child,
    steps,
    done,
    afterSteps: (n) => new Promise<void>((resolve) => {
      if (steps.length >= n) resolve();
      else waiters.push({ n, resolve });
      void done.then(() => resolve());
    })
  };
}

describe('restore killed with SIGKILL and run again', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    // Some latency, so kills land inside steps (between addItem and the step being recorded) as well as between them.
    emu = await startTestEmulator({ kind: 'online', latencyMs: 5 });
    folder = await tempFolder('orgkeeper-restore-crash-');
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('ends with the same result as an uninterrupted restore', async () => {
    const { store, snapshotId, content } = await backUp(emu, folder.path);
    const deleted = [...content.items.values()].filter((e) => !e.service && ['Web Map', 'Web Mapping Application', 'Dashboard', 'CSV', 'StoryMap'].includes(e.type)).slice(0, 10);
    expect(deleted.length).toBeGreaterThanOrEqual(8);
    const countBefore = orgItems(emu).length;
    for (const e of deleted) emu.context.state.items.delete(e.id);

    const settings: RestoreChildSettings = {
      restUrl: emu.restUrl,
      portalUrl: emu.portalUrl,
      admin: emu.admin,
      storeDir: join(folder.path, 'store'),
      dbFile: join(folder.path, 'restore.db'),
      operationId: 'crash-1',
      params: { snapshotId, mode: 'recreate', items: deleted.map((e) => e.id) }
    };
    let kills = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      const run = startChild(settings);
      // Kill after a random number of finished steps, a random few milliseconds later.
      await run.afterSteps(1 + Math.floor(Math.random() * 3));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      const killed = run.child.kill('SIGKILL');
      const outcome = await run.done;
      if (outcome.signal === 'SIGKILL' && killed) kills++;
      else {
        expect(outcome.code, outcome.stderr).toBe(0);
        break;
      }
    }
    expect(kills).toBeGreaterThan(0);
    const last = startChild(settings);
    const final = await last.done;
    expect(final.code, final.stderr).toBe(0);
    expect(final.result!.counts.failed).toBe(0);

    // The same result as an uninterrupted restore: every item back once, equal to the snapshot, no marker left.
    const titles = orgItems(emu).map((i) => `${i.json.type}: ${i.json.title}`);
    const doubled = titles.filter((t, i) => titles.indexOf(t) !== i);
    const wanted = [...content.items.values()].map((e) => `${e.type}: ${e.title}`);
    expect(doubled.filter((t) => wanted.filter((w) => w === t).length < 2), `doubled: ${JSON.stringify(orgItems(emu).filter((i) => doubled.includes(`${i.json.type}: ${i.json.title}`)).map((i) => [i.json.id, i.json.owner, i.json.ownerFolder, i.json.typeKeywords.filter((k) => k.startsWith("orgkeeper")), i.json.created]))}`).toEqual([]);
    expect(orgItems(emu).length).toBe(countBefore);
    const same = (title: string, type: string) => (x: { title: string; type: string }) => x.title === title && x.type === type;
    for (const e of deleted) {
      expect(orgItems(emu).map((i) => i.json).filter(same(e.title, e.type)).length, e.title).toBe([...content.items.values()].filter(same(e.title, e.type)).length);
    }
    expect(orgItems(emu).filter((i) => i.json.typeKeywords.some((k) => k.startsWith('orgkeeper-restore:')))).toEqual([]);
    const ids = new Map(final.result!.steps.filter((s) => s.newId && s.newId !== s.oldId).map((s) => [s.oldId, s.newId!]));
    for (const e of deleted) await expectItemMatches(emu, store, content, e, ids.get(e.id)!, { ids, urls: new Map() });
  }, 180_000);
});
