import { EventEmitter } from 'node:events';
import type { DatabaseSignals } from '../dialect.js';

/**
 * Signals on SQLite: within this process only. Other processes on the same file (a CLI command beside the server)
 * see changes at their next poll, as before.
 */
export class LocalSignals implements DatabaseSignals {
  readonly crossProcess = false;
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  notify(channel: string, payload: string): Promise<void> {
    // Delivered after the caller's write has returned, as a NOTIFY is after its commit.
    queueMicrotask(() => this.emitter.emit(channel, payload));
    return Promise.resolve();
  }

  listen(channel: string, onSignal: (payload: string | null) => void): () => void {
    this.emitter.on(channel, onSignal);
    return () => this.emitter.off(channel, onSignal);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}
