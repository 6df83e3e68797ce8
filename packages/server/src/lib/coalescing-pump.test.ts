import { describe, expect, it } from 'vitest';
import { CoalescingPump } from './coalescing-pump.js';

/** A pass that waits until released, counting how many passes ran. */
function gatedPass() {
  const gates: (() => void)[] = [];
  let passes = 0;
  const pass = () => {
    passes++;
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  const release = async () => {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { pass, release, passes: () => passes };
}

describe('CoalescingPump', () => {
  it('folds every call made during a pass into one more pass', async () => {
    const gate = gatedPass();
    const pump = new CoalescingPump(gate.pass, { active: () => true, onError: () => undefined });
    const first = pump.pump();
    for (let i = 0; i < 5; i++) void pump.pump();
    expect(gate.passes()).toBe(1);
    await gate.release();
    expect(gate.passes()).toBe(2);
    await gate.release();
    await first;
    expect(gate.passes()).toBe(2);
  });

  it('runs nothing while inactive, and stops going round once its owner stops', async () => {
    let active = false;
    const gate = gatedPass();
    const pump = new CoalescingPump(gate.pass, { active: () => active, onError: () => undefined });
    await pump.pump();
    expect(gate.passes()).toBe(0);
    active = true;
    const running = pump.pump();
    void pump.pump();
    active = false;
    await gate.release();
    await running;
    expect(gate.passes()).toBe(1);
  });

  it('hands a failed pass to onError and pumps again on the next call', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const pump = new CoalescingPump(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database busy');
      },
      { active: () => true, onError: (error) => errors.push(error) }
    );
    await pump.pump();
    await pump.pump();
    expect(errors).toEqual([expect.objectContaining({ message: 'database busy' })]);
    expect(calls).toBe(2);
  });
});
