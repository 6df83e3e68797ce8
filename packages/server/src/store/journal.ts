/**
 * The journal of a run in progress: `journal/<runId>.jsonl`, append-only, one JSON line per completed unit of work
 * (an item, a layer chunk, ...) naming the blobs that unit stored. It lets an interrupted backup resume without
 * downloading again what it already stored, and tells prune which blobs a resumable run still needs.
 *
 * Durability is batched: lines are kept in memory and written every `syncEveryLines` lines or `syncEveryMs`, after
 * the blobs they name are made durable (blob store `sync()` first), so a stored line never names a blob that is not.
 * Each batch is durable when written (`StoreBackend.openLog`: appended and fsynced on disk; one object per batch on
 * object storage). Losing the unwritten lines in a crash only means redoing those units. A torn last line (crash
 * mid-append on disk) is ignored when read.
 */
import { hostname } from 'node:os';
import type { LogAppender } from './backend/store-backend.js';
import { isBlobHash } from './hash.js';
import { RUN_ID, assertSnapshotId } from './snapshot-id.js';
import type { Store } from './store.js';
import { StoreError } from './store-error.js';

export interface JournalHeader {
  type: 'run';
  runId: string;
  operation: string;
  startedAt: string;
  pid: number;
  hostname: string;
  /** Anything the engine needs to resume (snapshot name, selection, parent snapshot, ...). */
  data?: unknown;
}

export interface JournalUnit<T = unknown> {
  type: 'unit';
  /** Identifies the unit of work, e.g. `item:<id>` or `layer:<itemId>/<layerId>:<fromOid>`. Later lines win. */
  key: string;
  /** Every blob the unit stored or relies on. */
  blobs: string[];
  at: string;
  data?: T;
}

export interface JournalOptions {
  syncEveryLines?: number;
  syncEveryMs?: number;
}

export interface JournalContents<T = unknown> {
  header: JournalHeader | undefined;
  /** Completed units by key (the last line for a key wins). */
  units: Map<string, JournalUnit<T>>;
  /** Lines that could not be parsed (a torn last line after a crash is normal; more means damage). */
  damagedLines: number;
}

export interface JournalSummary {
  runId: string;
  header: JournalHeader | undefined;
  units: number;
  sizeBytes: number;
  modifiedAt: string;
}

const JOURNAL = 'journal/';
const journalKey = (runId: string): string => {
  assertSnapshotId(runId, 'run id');
  return `${JOURNAL}${runId}.jsonl`;
};

export class JournalWriter {
  /** Lines waiting for the next sync (lost on a crash: those units are simply redone). */
  private readonly buffered: string[] = [];
  private lastSync = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly store: Store,
    readonly runId: string,
    private readonly log: LogAppender,
    private readonly options: Required<JournalOptions>
  ) {
    // Also sync when the run is idle (waiting on a slow layer), so the resume point does not lag behind.
    this.timer = setInterval(() => void this.enqueue(() => this.syncNow()).catch(() => undefined), options.syncEveryMs);
    this.timer.unref();
  }

  /**
   * Start a journal for `runId`, or reopen it to resume (the header is written only when the file is new).
   * The caller holds the store's write lock.
   */
  static async open(store: Store, runId: string, header: { operation: string; data?: unknown }, options: JournalOptions = {}): Promise<JournalWriter> {
    const key = journalKey(runId);
    // The header is written only when the journal is new: a journal always starts with its header.
    const line: JournalHeader = { type: 'run', runId, operation: header.operation, startedAt: new Date().toISOString(), pid: process.pid, hostname: hostname(), ...(header.data === undefined ? {} : { data: header.data }) };
    const { log } = await store.backend.openLog(key, encodeLines(store, key, `${JSON.stringify(line)}\n`));
    return new JournalWriter(store, runId, log, { syncEveryLines: options.syncEveryLines ?? 100, syncEveryMs: options.syncEveryMs ?? 5000 });
  }

  /** Record a completed unit. Lines are written in call order; blobs are checked to be hashes. */
  append<T>(key: string, blobs: readonly string[], data?: T): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('io_error', `Journal ${this.runId} is closed.`));
    const bad = blobs.find((hash) => !isBlobHash(hash));
    if (bad !== undefined) return Promise.reject(new StoreError('invalid_id', `Journal unit ${key} names ${JSON.stringify(bad)}, which is not a blob hash.`));
    const unit: JournalUnit<T> = { type: 'unit', key, blobs: [...blobs], at: new Date().toISOString(), ...(data === undefined ? {} : { data }) };
    const line = `${JSON.stringify(unit)}\n`;
    return this.enqueue(async () => {
      this.buffered.push(line);
      if (this.buffered.length >= this.options.syncEveryLines || Date.now() - this.lastSync >= this.options.syncEveryMs) await this.syncNow();
    });
  }

  /** Make every appended line durable now (after the blobs they name). */
  flush(): Promise<void> {
    return this.enqueue(() => this.syncNow());
  }

  /** Flush and close; the journal stays for a later resume. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearInterval(this.timer);
    await this.log.close();
  }

  /** Close and delete: the run is finished (its snapshot written) or abandoned. */
  async discard(): Promise<void> {
    await this.close();
    await discardJournal(this.store, this.runId);
  }

  private async syncNow(): Promise<void> {
    this.lastSync = Date.now();
    if (this.buffered.length === 0) return;
    // Blobs first, and only then the lines are even written: the kernel may write a file back at any time, so a line
    // written before its blobs are durable could survive a power cut that its blobs do not.
    await this.store.blobs.sync();
    const lines = this.buffered.splice(0);
    try {
      await this.log.append(encodeLines(this.store, journalKey(this.runId), lines.join('')));
    } catch (error) {
      // Kept for the next flush: a batch that did reach the store is written again (on disk a repeated line, which
      // reads the same; on object storage found to be the same batch).
      this.buffered.unshift(...lines);
      throw error;
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined); // one failed write must not wedge the queue
    return run;
  }
}

/** Read a journal (for resume). Tolerates a torn last line. Throws `invalid_id` for a malformed run id. */
export async function readJournal<T = unknown>(store: Store, runId: string): Promise<JournalContents<T> | undefined> {
  const key = journalKey(runId);
  const found = await store.backend.readLog(key);
  return found === undefined ? undefined : parseJournal<T>(...decodeLines(store, key, found.bytes));
}

export function parseJournal<T = unknown>(text: string, damagedLines = 0): JournalContents<T> {
  const contents: JournalContents<T> = { header: undefined, units: new Map(), damagedLines };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: Partial<JournalHeader> | Partial<JournalUnit<T>>;
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      contents.damagedLines += 1;
      continue;
    }
    if (value.type === 'run' && contents.header === undefined) contents.header = value as JournalHeader;
    else if (value.type === 'unit' && typeof value.key === 'string' && Array.isArray(value.blobs) && value.blobs.every(isBlobHash)) {
      contents.units.set(value.key, value as JournalUnit<T>);
    } else contents.damagedLines += 1;
  }
  return contents;
}

/** Journals in the store: runs that are running or can be resumed. */
export async function listJournals(store: Store): Promise<JournalSummary[]> {
  const logs = [];
  for await (const log of store.backend.listLogs(JOURNAL)) logs.push(log);
  const summaries: JournalSummary[] = [];
  for (const log of logs.sort((a, b) => (a.key < b.key ? -1 : 1))) {
    const name = log.key.slice(JOURNAL.length);
    const runId = name.replace(/\.jsonl$/, '');
    if (!name.endsWith('.jsonl') || !RUN_ID.test(runId)) continue;
    const found = await store.backend.readLog(log.key);
    if (found === undefined) continue; // discarded meanwhile
    const contents = parseJournal(...decodeLines(store, log.key, found.bytes));
    summaries.push({ runId, header: contents.header, units: contents.units.size, sizeBytes: found.bytes.byteLength, modifiedAt: found.modifiedAt.toISOString() });
  }
  return summaries;
}

/** Every blob named by any journal: prune must keep these. Reads each journal fully (fine: they are line logs). */
export async function journalBlobs(store: Store): Promise<Set<string>> {
  const blobs = new Set<string>();
  for (const journal of await listJournals(store)) {
    const contents = await readJournal(store, journal.runId);
    for (const unit of contents?.units.values() ?? []) for (const hash of unit.blobs) blobs.add(hash);
  }
  return blobs;
}

/** The bytes appended for a batch of lines: the lines themselves, or in an encrypted store one sealed line. */
function encodeLines(store: Store, key: string, text: string): Buffer {
  return Buffer.from(store.crypto ? store.crypto.sealLines(key, text) : text);
}

function decodeLines(store: Store, key: string, bytes: Buffer): [string, number] {
  if (!store.crypto) return [bytes.toString('utf8'), 0];
  const opened = store.crypto.openLines(key, bytes.toString('utf8'));
  return [opened.text, opened.damaged];
}

export async function discardJournal(store: Store, runId: string): Promise<void> {
  await store.backend.deleteLog(journalKey(runId));
}
