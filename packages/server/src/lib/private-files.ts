/**
 * Files and folders OrgKeeper writes are private to the account that runs it: backups hold the organization's content,
 * the database its sessions, audit log and encrypted credentials. Modes are given explicitly at every create, so a
 * permissive umask (0022, 0000) cannot widen them: a umask only takes bits away.
 */
import { chmodSync, statSync, type Stats } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** POSIX mode bits mean something here (not on Windows, where ACLs protect files). */
const posix = process.platform !== 'win32' && typeof process.getuid === 'function';

/** The mode to give `info` when this account owns it and group or others have access; undefined when none is due. */
function tightened(info: Stats): number | undefined {
  if (!posix || info.uid !== process.getuid!() || (info.mode & 0o077) === 0) return undefined;
  return info.mode & 0o700;
}

/**
 * Takes group and other access away from a file or folder this account owns (one created before modes were set, or
 * by someone else's `mkdir` and handed over). What another account owns is left alone: changing it is its owner's
 * decision, and chmod would fail. A path that does not exist is ignored.
 */
export async function makePrivateIfOwned(path: string): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const mode = info && tightened(info);
  if (mode !== undefined) await chmod(path, mode);
}

/** makePrivateIfOwned, synchronously (for the database, which is opened synchronously). */
export function makePrivateIfOwnedSync(path: string): void {
  const info = statSync(path, { throwIfNoEntry: false });
  const mode = info && tightened(info);
  if (mode !== undefined) chmodSync(path, mode);
}
