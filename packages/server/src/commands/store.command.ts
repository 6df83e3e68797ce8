/**
 * `orgkeeper store`: commands on an identity's backup store itself.
 * - `reindex`: rebuild the database's index of the backups from the File Location alone (the store is the truth).
 * - `key list|add|remove`: who can open an encrypted store (passphrases, OrgKeeper servers' keys).
 * - `copy`: copy the store to another location (a folder, S3, Azure; encrypted or not) and verify the copy.
 */
import { CLI_ACTOR, EXIT_FAILURE, EXIT_OK, UsageError, parseCommandArgs, readPasswordFromStdin, type CliIo, isUsageRequest, writeUsage } from './cli-io.js';
import type { Services } from '../services.js';
import { databaseFlags, findIdentity, withServices } from './command-services.js';
import { credentialsFromEnvironment } from './location-credentials.js';
import { withCredentials } from '../identities/identity-stores.js';
import {
  type CopyResult,
  type KeySource,
  type KeySummary,
  type Store,
  addStoreKey,
  copyStore,
  formatStoreLocation,
  initStore,
  listStoreKeys,
  openStore,
  parseStoreLocation,
  removeStoreKey
} from '../store/index.js';

export const STORE_USAGE = `Usage: orgkeeper store <reindex|key|copy> --identity NAME [options]

Commands on an identity's backup store (its File Location).

  orgkeeper store reindex --identity NAME [--json]
      Rebuild the database's index of the identity's backups (snapshots and their items) from the File Location
      alone. Use it after restoring or losing OrgKeeper's database, or after moving a store to an identity.

  orgkeeper store key list --identity NAME [--json]
  orgkeeper store key add --identity NAME (--passphrase-stdin | --server) [--label TEXT] [--json]
  orgkeeper store key remove --identity NAME KEY-ID
      Who can open an encrypted store. Each key opens it on its own: a passphrase (the store can then be opened
      anywhere, by anyone who has it) or this OrgKeeper server's key (for unattended backups). The last key cannot
      be removed. Lose every key and the backups are lost: keep a passphrase somewhere safe.

  orgkeeper store copy --identity NAME --to LOCATION [--location-credential KIND] [--encrypt [--passphrase-stdin]] [--json]
      Copy every snapshot to LOCATION and verify the copy by reading it back. LOCATION is a folder,
      s3://bucket/prefix[?endpoint=URL&region=R&path-style=true] or https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX
      (credentials: --location-credential as for \`orgkeeper identities add\`, else the standard AWS or Azure chains,
      AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN). A copy that
      stops can be run again: it copies what is missing. --encrypt makes a new target encrypted (this server's key,
      plus the passphrase read with --passphrase-stdin). Then point the identity at the copy.

Options:
  --identity NAME         the identity (name or id) whose store is used
  --passphrase-stdin      read a passphrase from standard input (typed, not shown, on a terminal): the new key's
                          for key add, the target's for copy --encrypt
  --server                key add: this OrgKeeper server's key
  --label TEXT            key add: a note telling the key apart (who holds the passphrase)
  --json                  print one JSON object with the result instead of text
  --data-dir DIR          folder holding the database and key (default ./data)        [ORGKEEPER_DATA_DIR]
  --database-url URL      PostgreSQL database (postgres://...) instead of SQLite      [ORGKEEPER_DATABASE_URL]
  -h, --help              show this help

An encrypted store is opened with this server's key, or with the passphrase in ORGKEEPER_STORE_PASSPHRASE.

Exit codes: 0 done, 1 failed (a store could not be read or written, the copy did not verify), 2 wrong usage.
`;

const COMMAND = 'store';

export async function storeCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (isUsageRequest(sub)) return writeUsage(io, STORE_USAGE, sub);
  if (sub === 'reindex') return reindex(rest, io);
  if (sub === 'key') return key(rest, io);
  if (sub === 'copy') return copy(rest, io);
  throw new UsageError(`Unknown store command "${sub}"; the store command has: reindex, key, copy.`, COMMAND);
}

const COMMON = { identity: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, 'database-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function requireIdentity(identity: string | undefined): string {
  if (!identity) throw new UsageError('--identity is required (the name or id of an identity; see `orgkeeper identities list`).', COMMAND);
  return identity;
}

async function reindex(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, { args, strict: true, allowPositionals: false, options: COMMON });
  if (values.help) {
    io.stdout.write(STORE_USAGE);
    return EXIT_OK;
  }
  const identity = requireIdentity(values.identity);
  return withServices(io, databaseFlags(values), async (services) => {
    const { id, name } = await findIdentity(services, identity, COMMAND);
    const result = await services.snapshots.reindex(id, CLI_ACTOR);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ identity: name, ...result }, null, 2)}\n`);
    } else {
      io.stdout.write(`Indexed ${result.snapshots} snapshot${result.snapshots === 1 ? '' : 's'} (${result.items} item entries) of "${name}" in ${(result.durationMs / 1000).toFixed(1)} s.\n`);
      for (const bad of result.unreadable) io.stdout.write(`  unreadable: ${bad.file}: ${bad.error}\n`);
      if (result.unreadable.length > 0) io.stdout.write('Unreadable snapshots are not indexed; run `orgkeeper check --identity ...` for details.\n');
    }
    return result.unreadable.length > 0 ? EXIT_FAILURE : EXIT_OK;
  });
}

/** What opens the identity's store: this server's key, and the passphrase in ORGKEEPER_STORE_PASSPHRASE if set. */
function keysFor(io: CliIo, services: Services): KeySource {
  const passphrase = io.env.ORGKEEPER_STORE_PASSPHRASE;
  return { ...services.stores.keys(), ...(passphrase ? { passphrase } : {}) };
}

async function withIdentityStore<T>(io: CliIo, values: { identity?: string | undefined; 'data-dir'?: string | undefined; 'database-url'?: string | undefined }, work: (store: Store, context: { name: string; serverKeys: KeySource }) => Promise<T>): Promise<T> {
  const identity = requireIdentity(values.identity);
  return withServices(io, databaseFlags(values), async (services) => {
    const row = await findIdentity(services, identity, COMMAND);
    const store = await openStore(services.stores.location(row), { keys: keysFor(io, services), ...(row.org_id ? { expectOrgId: row.org_id } : {}) });
    try {
      return await work(store, { name: row.name, serverKeys: services.stores.keys() });
    } finally {
      await store.close();
    }
  });
}

async function key(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'add' && action !== 'remove') {
    throw new UsageError(`Unknown store key command "${action ?? ''}"; it has: list, add, remove.`, COMMAND);
  }
  const { values, positionals } = parseCommandArgs(COMMAND, {
    args: rest,
    strict: true,
    allowPositionals: action === 'remove',
    options: { ...COMMON, 'passphrase-stdin': { type: 'boolean' }, server: { type: 'boolean' }, label: { type: 'string' } }
  });
  if (values.help) {
    io.stdout.write(STORE_USAGE);
    return EXIT_OK;
  }
  if (action === 'add' && Boolean(values['passphrase-stdin']) === Boolean(values.server)) {
    throw new UsageError('store key add needs exactly one of --passphrase-stdin (a passphrase) and --server (this OrgKeeper server\'s key).', COMMAND);
  }
  if (action === 'remove' && positionals.length !== 1) throw new UsageError('store key remove needs the id of the key to remove (see `orgkeeper store key list`).', COMMAND);
  const passphrase = action === 'add' && values['passphrase-stdin'] ? await readPasswordFromStdin(io, { prompt: 'New store passphrase: ', command: COMMAND }) : undefined;
  return withIdentityStore(io, values, async (store, { name, serverKeys }) => {
    if (action === 'list') {
      const keys = await listStoreKeys(store);
      if (values.json) io.stdout.write(`${JSON.stringify({ identity: name, location: store.location, keys }, null, 2)}\n`);
      else io.stdout.write(formatKeys(name, store, keys));
      return EXIT_OK;
    }
    if (action === 'add') {
      const opener = passphrase !== undefined ? { passphrase } : { masterKey: serverKeys.masterKey! };
      const added = await addStoreKey(store, opener, values.label ?? (passphrase !== undefined ? 'passphrase' : 'OrgKeeper server'));
      if (values.json) io.stdout.write(`${JSON.stringify({ identity: name, added }, null, 2)}\n`);
      else io.stdout.write(`Added ${added.kind} key ${added.id} (${added.label}) to the store of "${name}".\n`);
      return EXIT_OK;
    }
    await removeStoreKey(store, positionals[0]!);
    if (values.json) io.stdout.write(`${JSON.stringify({ identity: name, removed: positionals[0] }, null, 2)}\n`);
    else io.stdout.write(`Removed key ${positionals[0]} from the store of "${name}".\n`);
    return EXIT_OK;
  });
}

function formatKeys(name: string, store: Store, keys: KeySummary[]): string {
  const lines = [`Keys of the encrypted store of "${name}" (${store.location}):`];
  for (const k of keys) {
    const who = k.kind === 'server' ? `server key ${k.serverKeyId}` : 'passphrase';
    lines.push(`  ${k.id}  ${who.padEnd(27)} ${k.label}  (added ${k.createdAt} by ${k.createdBy.user || '?'}@${k.createdBy.host})${k.current ? '  <- opened it now' : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

async function copy(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(COMMAND, {
    args,
    strict: true,
    allowPositionals: false,
    options: { ...COMMON, to: { type: 'string' }, 'location-credential': { type: 'string' }, encrypt: { type: 'boolean' }, 'passphrase-stdin': { type: 'boolean' } }
  });
  if (values.help) {
    io.stdout.write(STORE_USAGE);
    return EXIT_OK;
  }
  if (!values.to) throw new UsageError('--to is required: the location to copy the store to (a folder, s3://bucket/prefix or an Azure container URL).', COMMAND);
  if (values['passphrase-stdin'] && !values.encrypt) throw new UsageError('--passphrase-stdin goes with --encrypt (the passphrase of the new encrypted copy).', COMMAND);
  let to;
  try {
    to = parseStoreLocation(values.to);
  } catch (error) {
    throw new UsageError((error as Error).message, COMMAND);
  }
  if (values['location-credential'] !== undefined) {
    const credentials = credentialsFromEnvironment(values['location-credential'], io, COMMAND);
    try {
      to = withCredentials(to, credentials.kind === 'azure-key' ? { ...credentials, accountName: credentials.accountName ?? '' } : credentials);
    } catch (error) {
      throw new UsageError((error as Error).message, COMMAND);
    }
  }
  const passphrase = values['passphrase-stdin'] ? await readPasswordFromStdin(io, { prompt: 'Passphrase of the encrypted copy: ', command: COMMAND }) : undefined;
  return withIdentityStore(io, values, async (source, { name, serverKeys }) => {
    const target = await initStore(to, source.config.org, {
      encrypt: values.encrypt === true,
      keys: { ...serverKeys, ...(passphrase !== undefined ? { passphrase } : {}) },
      ...(passphrase !== undefined ? { passphraseLabel: `passphrase (copy of ${name})` } : {})
    });
    try {
      if (values.encrypt && !target.encrypted) io.stderr.write(`orgkeeper: ${target.location} holds a plain store already; it stays plain.\n`);
      const result = await copyStore(source, target, {
        onProgress: (p) => {
          if (!values.json) io.stderr.write(`  snapshot ${p.done}/${p.total} (${p.snapshot}): ${p.blobsCopied} blobs copied\n`);
        }
      });
      const summary = summarizeCopy(result);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ identity: name, from: source.location, to: formatStoreLocation(to), encrypted: target.encrypted, ...result }, null, 2)}\n`);
      } else {
        io.stdout.write(`Copied the store of "${name}" to ${target.location}${target.encrypted ? ' (encrypted)' : ''}: ${summary}.\n`);
        if (result.verification?.ok) {
          io.stdout.write(`The copy was verified by reading every blob back. To use it, point the identity at it (its File Location: ${formatStoreLocation(to)}).\n`);
          if (target.encrypted && passphrase === undefined) {
            io.stdout.write('Only this OrgKeeper server\'s key opens the copy: add a passphrase with `orgkeeper store key add`, and keep it safe.\n');
          }
        } else {
          for (const problem of result.verification?.problems ?? []) io.stdout.write(`  ${problem}\n`);
        }
      }
      return result.verification?.ok === false ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await target.close();
    }
  });
}

function summarizeCopy(result: CopyResult): string {
  const copied = result.snapshots.filter((s) => s.status === 'copied').length;
  const present = result.snapshots.length - copied;
  return `${copied} snapshot${copied === 1 ? '' : 's'} copied${present ? `, ${present} already there` : ''}, ${result.blobsCopied} blobs (${(result.bytesCopied / 1e6).toFixed(1)} MB) written, ${result.blobsPresent} already there${result.verification ? `; ${result.verification.ok ? 'verified' : 'VERIFICATION FAILED'} (${result.verification.blobsRead} blobs read back)` : ''}`;
}
