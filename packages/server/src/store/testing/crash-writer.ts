// Test child for the crash test: writes snapshots in a loop (blobs, streamed blobs, journal, lists, manifest), and
// now and then forgets the oldest and prunes, until it is killed. Prints `snapshot <id>` after each snapshot is
// written and `forgetting <id>` before deleting one, so the parent knows which snapshots must survive.
// Usage: node --import tsx crash-writer.ts <storeDir> <seed> [snapshots to write, default: forever]
import { Readable } from 'node:stream';
import { JournalWriter } from '../journal.js';
import { acquireLock } from '../lock.js';
import { prune } from '../prune.js';
import { newSnapshotId } from '../snapshot-id.js';
import { openStore } from '../store.js';
import { type FakeItem, buildSnapshot } from './fixtures.js';

const [dir, seedArg, countArg] = process.argv.slice(2);
let seed = Number(seedArg) || 1;
const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
const say = (line: string) => process.stdout.write(`${line}\n`);

const store = await openStore(dir!);
const lock = await acquireLock(store, { kind: 'exclusive', operation: 'crash-test' });
say('ready');
const limit = countArg ? Number(countArg) : Infinity;
for (let n = 0; n < limit; n++) {
  const runId = newSnapshotId();
  const journal = await JournalWriter.open(store, runId, { operation: 'backup' }, { syncEveryLines: 3 });
  const items: FakeItem[] = [];
  for (let i = 0; i < 6; i++) {
    // Half the items keep their content between runs (deduplicated), half change.
    const version = random() < 0.5 ? 'stable' : `${seed}-${n}`;
    items.push({ id: `item${i}`, title: `Item ${i}`, data: `data ${i} ${version} ${'x'.repeat(Math.floor(random() * 20_000))}`, resources: { [`img/${i}.png`]: `png ${version}` } });
  }
  items.push({ id: 'layer', title: 'Layer', features: 1 + Math.floor(random() * 400), attachments: [{ objectId: 1, name: 'a.jpg', content: `jpeg ${seed}` }] });
  // A large streamed blob, like a file item's data.
  const big = await store.blobs.putStream(Readable.from((function* () {
    for (let i = 0; i < 20; i++) yield Buffer.alloc(64 * 1024, (n + i) % 251);
  })()));
  await journal.append('big', [big.hash]);
  const manifest = await buildSnapshot(store, items, { id: runId });
  await journal.append('lists', [...manifest.lists.items.map((p) => p.hash)]);
  await store.writeSnapshot(manifest);
  await journal.discard();
  say(`snapshot ${manifest.id}`);
  if (n % 3 === 2) {
    const { snapshots } = await store.listSnapshots();
    if (snapshots.length > 4) {
      say(`forgetting ${snapshots[0]!.id}`);
      await store.deleteSnapshot(snapshots[0]!.id);
      await prune(store, { lock });
    }
  }
}
await lock.release();
say('done');
