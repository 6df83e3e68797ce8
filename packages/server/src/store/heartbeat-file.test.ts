import { describe, expect, it } from 'vitest';
import { HeartbeatFile } from './heartbeat-file.js';
import { StoreError } from './store-error.js';

/** A hold whose beats the test releases one by one, recording what each beat saw when it started. */
class ManualHold extends HeartbeatFile {
  readonly started: number[] = [];
  private gates: (() => void)[] = [];
  state = 0;

  constructor() {
    super({ staleAfterMs: 60_000, heartbeatMs: 60_000 });
  }
  protected async renew(): Promise<Date> {
    this.started.push(this.state);
    await new Promise<void>((resolve) => this.gates.push(resolve));
    return new Date();
  }
  openGate(): void {
    this.gates.shift()?.();
  }
  get waiting(): number {
    return this.gates.length;
  }
  protected async removeFile(): Promise<void> {}
  protected forgetHeld(): void {}
  protected lostError(why: string): StoreError {
    return new StoreError('lock_lost', why);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HeartbeatFile', () => {
  it('answers an explicit heartbeat with a beat that started after the call, even while another beat runs', async () => {
    const hold = new ManualHold();
    const first = hold.heartbeat();
    await tick();
    expect(hold.started).toEqual([0]);
    // The caller changes the world (e.g. the file was removed as stale) while the first beat is running.
    hold.state = 1;
    let secondDone = false;
    const second = hold.heartbeat().then(() => (secondDone = true));
    const third = hold.heartbeat(); // shares the queued beat
    hold.openGate();
    await first;
    await tick();
    expect(secondDone).toBe(false);
    expect(hold.started).toEqual([0, 1]);
    hold.openGate();
    await Promise.all([second, third]);
    expect(hold.started).toEqual([0, 1]);
    await hold.release();
  });

  it('release waits for a queued beat, which then writes nothing', async () => {
    const hold = new ManualHold();
    void hold.heartbeat();
    await tick();
    const queued = hold.heartbeat();
    const released = hold.release();
    hold.openGate();
    await released;
    await queued;
    expect(hold.started).toEqual([0]);
    expect(hold.waiting).toBe(0);
  });
});
