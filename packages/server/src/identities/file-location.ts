import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../lib/private-files.js';

/**
 * The File Location of an identity: the folder holding its backup store. It must be absolute, exist or be creatable,
 * and be writable; symbolic links and network mounts are fine. Its real path is what two identities may not share.
 *
 * Checking and creating are two steps: adding an identity checks every field first (planFileLocation writes nothing)
 * and creates the folder only once everything else was accepted, so a refused add leaves no folder behind.
 */
export type FileLocationCheck = { ok: true; path: string; realPath: string } | { ok: false; message: string };

/** A File Location that passed planFileLocation: the folders still to create, outermost first. */
export type FileLocationPlan = { ok: true; path: string; realPath: string; missing: string[] } | { ok: false; message: string };

/** Checks a File Location without creating anything: an existing folder must be writable, a missing one creatable. */
export async function planFileLocation(input: string): Promise<FileLocationPlan> {
  const raw = input.trim();
  if (raw === '') return { ok: false, message: 'Enter the folder on this server where backups go, e.g. /srv/orgkeeper/myorg.' };
  if (!isAbsolute(raw)) {
    return {
      ok: false,
      message: `"${raw}" is a relative path. Enter a full path that starts at the root, e.g. ${process.platform === 'win32' ? 'D:\\Backups\\MyOrg' : '/srv/orgkeeper/myorg'}.`
    };
  }
  const path = normalize(resolve(raw)).replace(/(.)[\\/]+$/, '$1');
  let missing: string[];
  let existing: string;
  try {
    ({ missing, existing } = await missingFolders(path));
  } catch (error) {
    return { ok: false, message: `${path} cannot be read: ${(error as Error).message}. Choose another folder.` };
  }
  let realExisting: string;
  try {
    realExisting = await fs.realpath(existing);
    if (!(await fs.stat(realExisting)).isDirectory()) return { ok: false, message: `${existing === path ? path : `${existing} (a part of ${path})`} is a file, not a folder. Enter a folder.` };
  } catch (error) {
    return { ok: false, message: `${path} cannot be read: ${(error as Error).message}. Choose another folder.` };
  }
  if (missing.length > 0) {
    // Whether the folders can be made, asked without making them (the write probe comes once they exist).
    try {
      await fs.access(realExisting, constants.W_OK | constants.X_OK);
    } catch {
      return { ok: false, message: `OrgKeeper may not create ${path}. Create the folder and give the account running OrgKeeper write access, or choose another.` };
    }
    return { ok: true, path, realPath: join(realExisting, relative(existing, path)), missing };
  }
  const writable = await probeWrite(path, realExisting);
  return writable.ok ? { ok: true, path, realPath: realExisting, missing: [] } : writable;
}

/**
 * Creates the missing folders of a checked File Location (0700: backups are private) and checks it is writable. On
 * failure the folders it created are removed again.
 */
export async function createFileLocation(plan: Extract<FileLocationPlan, { ok: true }>): Promise<FileLocationCheck & { created: string[] }> {
  const created: string[] = [];
  const fail = async (message: string) => {
    await removeCreatedFolders(created);
    return { ok: false as const, message, created: [] };
  };
  try {
    for (const folder of plan.missing) {
      try {
        await fs.mkdir(folder, { mode: PRIVATE_DIR_MODE });
        created.push(folder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return fail(`${plan.path} (or a part of it) is a file, not a folder. Enter a folder.`);
    if (code === 'EACCES' || code === 'EPERM') return fail(`OrgKeeper may not create ${plan.path}. Create the folder and give the account running OrgKeeper write access, or choose another.`);
    return fail(`${plan.path} cannot be created: ${(error as Error).message}. Choose another folder.`);
  }
  let realPath: string;
  try {
    realPath = await fs.realpath(plan.path);
    if (!(await fs.stat(realPath)).isDirectory()) return fail(`${plan.path} is a file, not a folder. Enter a folder.`);
  } catch (error) {
    return fail(`${plan.path} cannot be read: ${(error as Error).message}. Choose another folder.`);
  }
  const writable = await probeWrite(plan.path, realPath);
  if (!writable.ok) return fail(writable.message);
  return { ok: true, path: plan.path, realPath, created };
}

/** Removes folders createFileLocation made (innermost first), when they are still empty; for an add refused later. */
export async function removeCreatedFolders(created: readonly string[]): Promise<void> {
  for (const folder of [...created].reverse()) await fs.rmdir(folder).catch(() => undefined);
}

/** Checks a File Location and creates it if missing (for a saved identity: the connection test, backups). */
export async function checkFileLocation(input: string): Promise<FileLocationCheck> {
  const plan = await planFileLocation(input);
  if (!plan.ok) return plan;
  const made = await createFileLocation(plan);
  return made.ok ? { ok: true, path: made.path, realPath: made.realPath } : made;
}

/** Writes and deletes a probe file: the only reliable test of write access (ACLs, read-only and network mounts). */
async function probeWrite(path: string, realPath: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const probe = resolve(realPath, `.orgkeeper-write-test-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(probe, 'OrgKeeper checks that it can write here; this file is deleted at once.\n', { flag: 'wx', mode: PRIVATE_FILE_MODE });
    await fs.unlink(probe);
    return { ok: true };
  } catch (error) {
    await fs.unlink(probe).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : (error as Error).message;
    return {
      ok: false,
      message: `OrgKeeper cannot write to ${path} (${why}). Give the account running OrgKeeper write access to it, or choose another folder.`
    };
  }
}

/** Whether one folder is the other or lies inside it (real paths; case-insensitive on Windows and macOS). */
export function locationsOverlap(a: string, b: string): boolean {
  const fold = process.platform === 'win32' || process.platform === 'darwin' ? (p: string) => p.toLowerCase() : (p: string) => p;
  const x = fold(a);
  const y = fold(b);
  if (x === y) return true;
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    // "..a" is a folder named "..a" inside the parent; only ".." itself or "../..." leaves it.
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
  };
  return inside(x, y) || inside(y, x);
}

/** Free space of the folder's file system, in bytes (statfs). */
export async function freeBytes(path: string): Promise<number> {
  const stats = await fs.statfs(path);
  return Number(stats.bavail) * Number(stats.bsize);
}

/**
 * The folders of `path` that do not exist, outermost first, and the nearest one that does. Walked by hand rather than
 * with a recursive mkdir, which never returns on some special file systems (it loops on ENOENT under /proc).
 */
async function missingFolders(path: string): Promise<{ missing: string[]; existing: string }> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      await fs.stat(current);
      return { missing: missing.reverse(), existing: current };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a part of the path is a file; the caller reports it from the nearest existing part.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) return { missing: missing.reverse(), existing: current };
      current = parent;
    }
  }
}
