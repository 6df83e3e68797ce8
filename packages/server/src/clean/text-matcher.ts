/**
 * Runs a text-search pattern over many texts in a worker thread, so the server's event loop keeps answering
 * requests however long the matching takes.
 *
 * Why a worker and not chunks with setImmediate: RE2 is linear, but linear is not small. A pattern of a few hundred
 * states over a 100,000-character description takes seconds to locate its match (measured with re2js: about 2.5 s
 * for `[a-z]{1000}q`), and no chunking can yield in the middle of one match. In a worker the main thread only posts
 * texts and reads back positions; stopping a scan terminates the worker at once, even mid-match.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MAX_TEXT_CHARS, type TextPattern } from './text-pattern.js';

/** Where the pattern first matched in a text (UTF-16 offsets, like String.prototype.slice). */
export interface TextMatch {
  start: number;
  end: number;
}

// Evaluated as the worker's script. Dynamic imports only, so it runs whether Node evaluates it as CommonJS or as a
// module (the worker inherits --input-type), from the TypeScript sources (tests) and from dist alike. It compiles the
// pattern once; each message is a batch of texts, each answer their first match or null. test() runs on RE2's DFA
// and is cheap; the (slower) search for the match's position runs only on texts that match.
const WORKER_SOURCE = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { RE2JS } = (await import(workerData.re2js)).default;
  const re = RE2JS.compile(workerData.source, workerData.flags);
  parentPort.on('message', ({ id, texts }) => {
    const results = texts.map((text) => {
      if (!re.test(text)) return null;
      const m = re.matcher(text);
      return m.find() ? [m.start(), m.end()] : null;
    });
    parentPort.postMessage({ id, results });
  });
})();
`;

// The CommonJS build (what require resolves to): its module.exports is the import's default export in both modes.
const RE2JS_URL = pathToFileURL(createRequire(import.meta.url).resolve('re2js')).href;

/** The first MAX_TEXT_CHARS characters of a text, never ending inside a surrogate pair. */
export function capText(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  const end = /[\uD800-\uDBFF]/.test(text[MAX_TEXT_CHARS - 1]!) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
  return text.slice(0, end);
}

interface Pending {
  resolve(results: (TextMatch | null)[]): void;
  reject(error: unknown): void;
}

export class TextMatcher {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: unknown;
  private readonly onAbort: () => void;

  /** Starts the worker for a pattern checked by compileTextPattern. Aborting the signal stops it. */
  constructor(
    pattern: TextPattern,
    private readonly signal?: AbortSignal
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { re2js: RE2JS_URL, source: pattern.source, flags: pattern.flags },
      // RE2's automata have their own memory budgets; this bounds the worker as a whole.
      resourceLimits: { maxOldGenerationSizeMb: 256 }
    });
    this.worker.on('message', ({ id, results }: { id: number; results: ([number, number] | null)[] }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      waiting?.resolve(results.map((r) => (r ? { start: r[0], end: r[1] } : null)));
    });
    this.worker.on('error', (error) => this.fail(new Error(`The text search stopped: ${error.message}`, { cause: error })));
    this.worker.on('exit', () => this.fail(this.signal?.reason ?? new Error('The text search stopped before it finished.')));
    this.onAbort = () => void this.close();
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** The first match in each text (searched up to MAX_TEXT_CHARS characters), or null where it does not match. */
  match(texts: readonly string[]): Promise<(TextMatch | null)[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.signal?.aborted) return Promise.reject(this.signal.reason);
    if (texts.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, texts: texts.map(capText) });
    });
  }

  /** Stops the worker; matches still waiting are rejected. */
  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await this.worker.terminate();
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
