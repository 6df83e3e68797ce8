/**
 * Which process runs an operation: its row's `runner_id` is `<hostname>:<pid>:<random>`. Recovery reads it to tell a
 * runner that died on this host (its pid is gone) from one that lives, here or elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function newRunnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** True when the runner was another process on this host that no longer exists (a killed CLI). */
export function deadOnThisHost(runnerId: string): boolean {
  const [runnerHost, pid] = runnerId.split(':');
  return runnerHost === hostname() && Number(pid) !== process.pid && !processAlive(Number(pid));
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
