import { describe, expect, it } from 'vitest';
import { runPool, TaskPool } from './task-pool.js';

/** A promise settled from outside, so a test decides when each task ends (no timers). */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tasks that record when they start and end and wait for the test to finish them. */
function gatedTasks(count: number) {
  const gates = Array.from({ length: count }, () => deferred());
  const started: number[] = [];
  const ended: number[] = [];
  let running = 0;
  let most = 0;
  const work = async (i: number) => {
    started.push(i);
    running++;
    most = Math.max(most, running);
    try {
      await gates[i]!.promise;
    } finally {
      running--;
      ended.push(i);
    }
  };
  return { gates, started, ended, work, most: () => most };
}

describe('runPool', () => {
  it('runs every item, never more than the concurrency at once, in the items order', async () => {
    const t = gatedTasks(7);
    const done = runPool([0, 1, 2, 3, 4, 5, 6], { concurrency: 3, onError: 'stop' }, t.work);
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    t.gates[1]!.resolve();
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3]);
    for (const gate of t.gates) gate.resolve();
    await done;
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(t.ended).toHaveLength(7);
    expect(t.most()).toBe(3);
  });

  it('stop: starts nothing after the first error, waits for the tasks running, then throws that error', async () => {
    const t = gatedTasks(6);
    const first = new Error('first');
    let outcome: unknown = 'pending';
    const done = runPool([0, 1, 2, 3, 4, 5], { concurrency: 2, onError: 'stop' }, t.work).then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error)
    );
    await settle();
    t.gates[0]!.reject(first);
    await settle();
    // Task 1 still runs: the pool has not returned, and nothing else started.
    expect(t.started).toEqual([0, 1]);
    expect(outcome).toBe('pending');
    t.gates[1]!.reject(new Error('second'));
    await done;
    expect(outcome).toBe(first);
    expect(t.started).toEqual([0, 1]);
    expect(t.ended).toEqual([0, 1]);
  });

  it('continue: a failure does not stop the others; the first error is thrown once all have ended', async () => {
    const t = gatedTasks(4);
    const first = new Error('first');
    let outcome: unknown = 'pending';
    const done = runPool([0, 1, 2, 3], { concurrency: 2, onError: 'continue' }, t.work).catch((error: unknown) => (outcome = error));
    await settle();
    t.gates[0]!.reject(first);
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    t.gates[2]!.reject(new Error('later'));
    t.gates[1]!.resolve();
    await settle();
    expect(outcome).toBe('pending');
    t.gates[3]!.resolve();
    await done;
    expect(outcome).toBe(first);
    expect(t.ended.sort()).toEqual([0, 1, 2, 3]);
  });

  it('an abort starts nothing more, waits for the tasks running and throws the signal reason, whatever the tasks threw', async () => {
    const controller = new AbortController();
    const t = gatedTasks(5);
    let outcome: unknown = 'pending';
    const done = runPool([0, 1, 2, 3, 4], { concurrency: 2, onError: 'continue', signal: controller.signal }, t.work).catch((error: unknown) => (outcome = error));
    await settle();
    controller.abort('cancelled');
    t.gates[0]!.reject(new Error('the request was aborted'));
    await settle();
    expect(t.started).toEqual([0, 1]);
    expect(outcome).toBe('pending');
    t.gates[1]!.resolve();
    await done;
    expect(outcome).toBe('cancelled');
    expect(t.started).toEqual([0, 1]);
  });

  it('a signal aborted before the start runs nothing and throws its reason', async () => {
    const reason = new Error('lock lost');
    let calls = 0;
    await expect(
      runPool([1, 2, 3], { concurrency: 2, onError: 'stop', signal: AbortSignal.abort(reason) }, async () => {
        calls++;
      })
    ).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('an abort after every item ended is not a failure of the pool', async () => {
    const controller = new AbortController();
    await runPool([1, 2], { concurrency: 2, onError: 'stop', signal: controller.signal }, async (i) => {
      if (i === 2) controller.abort('late');
    });
  });

  it('a task that throws before returning a promise counts as a failed task', async () => {
    const boom = new Error('sync');
    const ran: number[] = [];
    await expect(
      runPool([1, 2, 3], { concurrency: 1, onError: 'stop' }, ((i: number) => {
        if (i === 1) throw boom;
        ran.push(i);
        return Promise.resolve();
      }) as (i: number) => Promise<void>)
    ).rejects.toBe(boom);
    expect(ran).toEqual([]);
  });

  it('does nothing for no items, and refuses a concurrency that is not a whole number of 1 or more', async () => {
    await runPool([], { concurrency: 1, onError: 'stop' }, async () => {
      throw new Error('never');
    });
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() => new TaskPool({ concurrency, onError: 'stop' })).toThrow(RangeError);
    }
  });
});

describe('TaskPool', () => {
  it('run() settles as its task does and starts urgent tasks before the ones waiting, the latest first', async () => {
    const pool = new TaskPool({ concurrency: 1, onError: 'continue' });
    const order: string[] = [];
    const gate = deferred();
    const blocker = pool.run(async () => {
      order.push('blocker');
      await gate.promise;
      return 'b';
    });
    const normal = pool.run(async () => order.push('normal'));
    const urgentA = pool.run(async () => order.push('urgent A'), { urgent: true });
    const urgentB = pool.run(async () => order.push('urgent B'), { urgent: true });
    const failing = pool.run(async () => {
      throw new Error('own failure');
    });
    gate.resolve();
    expect(await blocker).toBe('b');
    await Promise.all([normal, urgentA, urgentB]);
    await expect(failing).rejects.toThrow('own failure');
    expect(order).toEqual(['blocker', 'urgent B', 'urgent A', 'normal']);
  });

  it('stop: run() calls waiting when a task fails are rejected with that error without running', async () => {
    const pool = new TaskPool({ concurrency: 1, onError: 'stop' });
    const boom = new Error('boom');
    let ran = false;
    const failing = pool.run(async () => {
      throw boom;
    });
    const waiting = pool.run(async () => {
      ran = true;
    });
    await expect(failing).rejects.toBe(boom);
    await expect(waiting).rejects.toBe(boom);
    expect(ran).toBe(false);
    await expect(pool.drain()).rejects.toBe(boom);
  });

  it('add() throws once the pool stopped, so the producer stops; drain() waits for work added while it waits', async () => {
    const pool = new TaskPool({ concurrency: 2, onError: 'stop' });
    const gate = deferred();
    const ended: string[] = [];
    pool.add(async () => {
      await gate.promise;
      ended.push('first');
    });
    let drained = false;
    const draining = pool.drain().then(() => (drained = true));
    pool.add(async () => {
      ended.push('second');
    });
    await settle();
    expect(drained).toBe(false);
    gate.resolve();
    await draining;
    expect(ended).toEqual(['second', 'first']);

    const boom = new Error('boom');
    pool.add(async () => {
      throw boom;
    });
    await expect(pool.drain()).rejects.toBe(boom);
    expect(() => pool.add(async () => undefined)).toThrow(boom);
  });
});
