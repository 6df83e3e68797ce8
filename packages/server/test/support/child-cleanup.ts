/**
 * For tests that start child processes and make temporary stores: registers an afterEach that kills every child still
 * running (SIGKILL: a test that failed halfway must not leave writers behind) and then runs the clean-ups.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

export function cleanUpAfterEach(): { running: Set<ChildProcess>; cleanups: (() => Promise<void>)[] } {
  const running = new Set<ChildProcess>();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of running) c.kill('SIGKILL');
    running.clear();
    for (const c of cleanups.splice(0)) await c();
  });
  return { running, cleanups };
}
