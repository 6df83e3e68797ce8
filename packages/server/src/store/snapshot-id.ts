import { randomBytes } from 'node:crypto';
import { StoreError } from './store-error.js';

/**
 * Snapshot ids sort by time as plain strings and stay readable in a CLI listing: the UTC start time to the millisecond,
 * then 8 random hex digits so two runs started in the same millisecond (two hosts on one network folder) never clash.
 * Example: `20261124T211915123Z-9f86d081`.
 */
export const SNAPSHOT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
/** Run ids name journals; the same shape as snapshot ids (a run becomes the snapshot with the same id). */
export const RUN_ID = SNAPSHOT_ID;

export function newSnapshotId(at: Date = new Date()): string {
  const iso = at.toISOString(); // 2026-11-24T21:19:15.123Z
  const compact = iso.replace(/[-:]/g, '').replace('.', '');
  return `${compact}-${randomBytes(4).toString('hex')}`;
}

export function isSnapshotId(value: unknown): value is string {
  return typeof value === 'string' && SNAPSHOT_ID.test(value);
}

export function assertSnapshotId(value: unknown, what = 'snapshot id'): asserts value is string {
  if (!isSnapshotId(value)) {
    throw new StoreError('invalid_id', `Not a valid ${what}: ${JSON.stringify(value)}. Expected the form 20261124T211915123Z-9f86d081.`);
  }
}

/** The time encoded in an id (its start time). */
export function snapshotIdTime(id: string): Date {
  assertSnapshotId(id);
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(id)!;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +m[7]!));
}
