/**
 * What the store lock and snapshot pins have in common: a file that says "someone is working here", rewritten every
 * `heartbeatMs` so that others can tell a live holder from a crashed one. A subclass says how one beat renews its file,
 * how the file is removed, and what error a lost hold gives; this class runs the timer, keeps beats one at a time, and
 * turns a hold that could not be renewed for `staleAfterMs` (when others may judge it stale and take it) into a loss.
 */
import { type StoreError, describeError } from './store-error.js';

export interface HeartbeatTiming {
  /** A file whose heartbeat is older than this is stale. */
  staleAfterMs: number;
  /** How often the holder rewrites it. */
  heartbeatMs: number;
  /** Called once if the hold is lost; `signal` aborts as well. */
  onLost?: ((error: StoreError) => void) | undefined;
}

export abstract class HeartbeatFile {
  /** Aborted (reason: the StoreError of `lostError`) when the hold is lost. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private releasedFlag = false;
  private inflight: Promise<void> | undefined;
  /** A beat asked for while another was running: it runs once that one ends (shared by every caller meanwhile). */
  private queued: Promise<void> | undefined;
  private lastBeat = Date.now();

  /** `beating: false` makes a hold with nothing on disk (already released), e.g. a pin on a read-only store. */
  constructor(
    private readonly timing: HeartbeatTiming,
    beating = true
  ) {
    this.signal = this.controller.signal;
    if (!beating) {
      this.releasedFlag = true;
      return;
    }
    // The timer skips a tick while a beat is running; only explicit callers need a beat that starts after their call.
    this.timer = setInterval(() => {
      if (!this.inflight) void this.heartbeat();
    }, timing.heartbeatMs);
    this.timer.unref(); // a forgotten hold must not keep the process alive; it goes stale instead
  }

  get lost(): boolean {
    return this.signal.aborted;
  }

  protected get released(): boolean {
    return this.releasedFlag;
  }

  /**
   * Refresh the heartbeat now (also done by the timer): the returned promise settles after a beat that started after
   * this call, so it sees whatever the caller did before (e.g. the file removed as stale). Detects a lost hold.
   */
  heartbeat(): Promise<void> {
    // One at a time, and release() waits for it: a heartbeat finishing after release would write the file again.
    if (this.inflight) {
      // The running beat may have read or written the file before the caller's change: one more after it.
      this.queued ??= this.inflight.then(() => {
        this.queued = undefined;
        return this.heartbeat();
      });
      return this.queued;
    }
    this.inflight = this.beat().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async beat(): Promise<void> {
    if (this.releasedFlag || this.lost) return;
    try {
      const written = await this.renew();
      if (written) this.lastBeat = written.getTime();
    } catch (error) {
      // A passing I/O error (a network folder's hiccup) is survivable until others may consider the hold stale.
      if (Date.now() - this.lastBeat > this.timing.staleAfterMs) this.markLost(`its heartbeat could not be written (${describeError(error)})`);
    }
  }

  /** Remove the file if it is still ours. Idempotent. */
  async release(): Promise<void> {
    if (this.releasedFlag) return;
    this.releasedFlag = true;
    clearInterval(this.timer);
    await this.inflight;
    await this.queued;
    this.forgetHeld();
    await this.removeFile();
  }

  /** Ends the hold: stops beating, aborts `signal` with the subclass's error, tells `onLost`. */
  protected markLost(why: string): void {
    clearInterval(this.timer);
    this.forgetHeld();
    const error = this.lostError(why);
    this.controller.abort(error);
    this.timing.onLost?.(error);
  }

  /**
   * One beat: rewrite the file with a new heartbeat and return when it was written; return undefined after calling
   * `markLost` (or when there was nothing to do). Throw on an I/O error.
   */
  protected abstract renew(): Promise<Date | undefined>;
  /** Delete the file, if it is still this holder's. */
  protected abstract removeFile(): Promise<void>;
  /** This process no longer holds it (the in-process registry that tells live holders from dead ones). */
  protected abstract forgetHeld(): void;
  protected abstract lostError(why: string): StoreError;
}
