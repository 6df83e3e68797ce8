import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { DatabaseSignals } from '../dialect.js';

/** How long to wait before connecting the listener again after it was lost (doubling up to the last). */
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

export interface PostgresSignalsOptions {
  /** Told when the listening connection fails (it is connected again). */
  onError?: (error: Error) => void;
}

/**
 * Signals on PostgreSQL: `pg_notify` through the pool (any connection), `LISTEN` on one dedicated connection of this
 * process (node-postgres's Client; a pooled connection would be handed to other queries and lose its LISTENs). The
 * listener connects on the first `listen()`, and when it is lost it connects again and tells every listener (null)
 * that signals may have been missed.
 */
export class PostgresSignals implements DatabaseSignals {
  readonly crossProcess = true;
  private readonly listeners = new Map<string, Set<(payload: string | null) => void>>();
  private client: pg.Client | undefined;
  /** The channels the current connection LISTENs to. */
  private listening = new Set<string>();
  private syncing: Promise<void> = Promise.resolve();
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly db: Kysely<unknown>,
    private readonly options: PostgresSignalsOptions = {}
  ) {}

  async notify(channel: string, payload: string): Promise<void> {
    if (this.closed) return;
    try {
      await sql`select pg_notify(${channel}, ${payload})`.execute(this.db);
    } catch (error) {
      // A lost signal only delays the others until their next poll.
      this.options.onError?.(error as Error);
    }
  }

  listen(channel: string, onSignal: (payload: string | null) => void): () => void {
    let set = this.listeners.get(channel);
    const first = !set;
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(onSignal);
    if (first) void this.connect().then(() => this.syncChannels());
    return () => {
      set.delete(onSignal);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        void this.syncChannels();
      }
    };
  }

  /** Resolves once the listening connection is up and listens to every channel asked so far. */
  async ready(): Promise<void> {
    await this.connect();
    await this.syncChannels();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.listeners.clear();
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private connect(): Promise<void> {
    if (this.closed || this.client) return Promise.resolve();
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 15_000 });
      client.on('notification', (message) => {
        for (const listener of this.listeners.get(message.channel) ?? []) listener(message.payload ?? '');
      });
      client.on('error', (error) => this.lost(client, error));
      client.on('end', () => this.lost(client, new Error('the listening connection ended')));
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        this.scheduleReconnect(error as Error);
        return;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.listening = new Set();
      await this.syncChannels();
      const reconnected = this.failures > 0;
      this.failures = 0;
      // Whatever was sent while nobody listened is lost: listeners read the state again.
      if (reconnected) for (const set of this.listeners.values()) for (const listener of set) listener(null);
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** LISTENs to every channel someone listens to, and UNLISTENs the others (one change at a time). */
  private syncChannels(): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const client = this.client;
      if (!client) return;
      try {
        for (const channel of this.listeners.keys()) {
          if (this.listening.has(channel)) continue;
          await client.query(`listen ${client.escapeIdentifier(channel)}`);
          this.listening.add(channel);
        }
        for (const channel of [...this.listening]) {
          if (this.listeners.has(channel)) continue;
          await client.query(`unlisten ${client.escapeIdentifier(channel)}`);
          this.listening.delete(channel);
        }
      } catch (error) {
        this.options.onError?.(error as Error);
      }
    });
    return this.syncing;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    this.scheduleReconnect(error);
  }

  private scheduleReconnect(error: Error): void {
    if (this.closed) return;
    this.options.onError?.(error);
    const delay = RECONNECT_DELAYS_MS[Math.min(this.failures, RECONNECT_DELAYS_MS.length - 1)]!;
    this.failures++;
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, delay);
    this.retry.unref();
  }
}
