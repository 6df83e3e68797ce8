// Test child: a reader in another process that pins snapshots (as a restore does) until its stdin closes.
// Usage: node --import tsx pin-child.ts <storeDir> <operation> <snapshotId>...
// Prints one JSON line per event: `pinned` (with the pin id) or `failed`, then `released`.
import { once } from 'node:events';
import { pinSnapshots } from '../pin.js';
import { openStore } from '../store.js';
import { describeError } from '../store-error.js';

const [dir, operation, ...ids] = process.argv.slice(2);
const say = (value: object) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...value })}\n`);

try {
  const store = await openStore(dir!);
  const pin = await pinSnapshots(store, ids, { operation: operation! });
  say({ event: 'pinned', pinId: pin.info.pinId });
  process.stdin.resume();
  await once(process.stdin, 'end');
  await pin.release();
  say({ event: 'released' });
} catch (error) {
  say({ event: 'failed', code: (error as { code?: string }).code, message: describeError(error) });
}
