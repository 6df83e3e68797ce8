/**
 * Resilience (issue 4, "Tests" > Faults): with the emulator injecting 5% server errors, reset connections,
 * throttling (HTTP 429 and body 429 with Retry-After) and two-minute tokens that expire in the middle of the run, a
 * backup of the demo organization completes with every item ok and a clean `check --read-data`; throttling slows the
 * run down (the limiter halves) instead of failing it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionFor } from './support/emulator-session.js';
import { runBackup } from '../src/backup/backup.engine.js';
import { type ItemEntry, check, openStore } from '../src/store/index.js';
import { control, startTestEmulator, tempFolder, type EmulatorHandle } from './support/emulator-harness.js';

describe('a backup under errors, resets, throttling and expiring tokens', () => {
  let emu: EmulatorHandle;
  let folder: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    emu = await startTestEmulator({ kind: 'online' });
    folder = await tempFolder('orgkeeper-backup-resilience-');
  }, 60_000);
  afterAll(async () => {
    await emu?.close();
    await folder?.remove();
  });

  it('completes with every item ok and a clean check --read-data', async () => {
    // Tokens from generateToken (how a built-in account signs in) live two minutes of the emulator's clock.
    await control(emu, 'tokens', { generateTokenMinutes: 2, accessMinutes: 2 });
    // Every request may fail, token requests included; throttling by a sliding minute of the emulator's clock.
    await control(emu, 'faults', { errorRate: 0.05, errorStyle: 'mixed', resetRate: 0.03, throttleRpm: 150, throttleStyle: 'mixed', retryAfterSeconds: 1 });

    // The production retry policy (backoff from 250 ms, Retry-After honoured): what a real run does.
    const session = sessionFor(emu, { concurrency: 8 });
    let lowestConcurrency = session.concurrency;
    const watch = setInterval(() => (lowestConcurrency = Math.min(lowestConcurrency, session.concurrency)), 5);
    // The emulator's clock runs 40 times faster than real time: the two-minute tokens expire every few seconds of
    // the run (the client still believes them valid and learns otherwise from a 498) and the throttling window slides.
    let advancing = Promise.resolve();
    const clock = setInterval(() => (advancing = advancing.then(() => control(emu, 'clock', { advanceMs: 10_000 }).then(() => undefined))), 250);
    // A fast run may finish before the clock has aged a token, so the emulator also expires every token (the
    // federated servers' too) when the run has made 100, 250 and 400 requests: the run meets 498s mid-way however
    // quickly it goes. (A backup of the demo org makes about 600, throttled answers included.)
    const start = emu.requestLog.total;
    const expireAt = [100, 250, 400];
    const expiry = setInterval(() => {
      if (expireAt.length === 0 || emu.requestLog.total - start < expireAt[0]!) return;
      expireAt.shift();
      advancing = advancing.then(() => control(emu, 'tokens', { expireAll: true }).then(() => undefined));
    }, 10);
    let result;
    let injected = { ...emu.faults.injected };
    try {
      result = await runBackup({ identity: { id: 'identity-r', name: 'Resilient', fileLocation: `${folder.path}/store`, orgId: emu.orgId, portalUrl: emu.portalUrl }, session, name: 'Under fire' });
    } finally {
      clearInterval(clock);
      clearInterval(expiry);
      clearInterval(watch);
      await advancing;
      injected = { ...emu.faults.injected };
      emu.faults.reset();
    }

    // The faults really happened.
    console.log(`injected ${JSON.stringify(injected)}, session ${JSON.stringify(session.stats)}, lowest concurrency ${lowestConcurrency}`);
    expect(injected.error).toBeGreaterThan(0);
    expect(injected.reset).toBeGreaterThan(0);
    expect(injected.throttle).toBeGreaterThan(0);
    expect(emu.requestLog.snapshot(0).byStatus['429'] ?? 0).toBeGreaterThan(0);
    expect(session.stats.throttled).toBeGreaterThan(0);
    expect(session.stats.tokenRefreshes).toBeGreaterThan(0);
    // Throttling slowed the run: the limiter halved (8 -> 4 or lower) rather than the run failing.
    expect(lowestConcurrency).toBeLessThanOrEqual(4);

    // Every item ok, the snapshot complete, every item of the org in it.
    expect(result.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('complete');
    const orgItems = [...emu.context.state.items.values()].filter((item) => item.json.orgId === emu.orgId);
    const store = await openStore(`${folder.path}/store`, { expectOrgId: emu.orgId });
    const ids: string[] = [];
    for await (const entry of store.readList(await store.readSnapshot(result.snapshotId), 'items') as AsyncIterable<ItemEntry>) ids.push(entry.id);
    expect(ids.sort()).toEqual(orgItems.map((i) => i.json.id).sort());
    expect(result.counts.users).toBeGreaterThan(0);
    expect(result.counts.groups).toBeGreaterThan(0);

    const checked = await check(store, { readData: true });
    expect(checked.problems).toEqual([]);
    expect(checked.ok).toBe(true);
    expect(checked.blobs.read).toBe(checked.blobs.stored);
  }, 120_000);
});
