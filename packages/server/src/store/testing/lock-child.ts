// Test child: takes the store lock at a given moment, holds it, releases it. Prints one JSON line per event.
// Usage: node --import tsx lock-child.ts <storeDir> <go> <holdMs> [staleAfterMs] [heartbeatMs]
// <go>: `now`, or `stdin` to wait for a line on stdin (so racing children start together whatever their start-up time).
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock } from '../lock.js';
import { openStore } from '../store.js';
import { describeError } from '../store-error.js';

const [dir, go, hold, staleAfter, heartbeat] = process.argv.slice(2);
const say = (value: object) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...value })}\n`);

const store = await openStore(dir!);
say({ event: 'ready' });
if (go === 'stdin') {
  process.stdin.resume();
  await once(process.stdin, 'data');
  process.stdin.pause();
}
try {
  const lock = await acquireLock(store, {
    kind: 'write',
    operation: 'lock-test',
    ...(staleAfter ? { staleAfterMs: Number(staleAfter) } : {}),
    ...(heartbeat ? { heartbeatMs: Number(heartbeat) } : {})
  });
  say({ event: 'acquired', token: lock.info.token, tookOver: lock.tookOver?.reason ?? null });
  await sleep(Number(hold));
  say({ event: 'releasing', lost: lock.lost });
  await lock.release();
} catch (error) {
  say({ event: 'locked', code: (error as { code?: string }).code, message: describeError(error) });
}
