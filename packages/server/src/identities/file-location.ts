import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, isAbsolute, normalize, relative, resolve, sep } from 'node:path';

/**
 * The File Location of an identity: the folder holding its backup store. It must be absolute, exist or be creatable,
 * and be writable; symbolic links and network mounts are fine. Its real path is what two identities may not share.
 */
export type FileLocationCheck = { ok: true; path: string; realPath: string } | { ok: false; message: string };

export async function checkFileLocation(input: string): Promise<FileLocationCheck> {
  const raw = input.trim();
  if (raw === '') return { ok: false, message: 'Enter the folder on this server where backups go, e.g. /srv/orgkeeper/myorg.' };
  if (!isAbsolute(raw)) {
    return {
      ok: false,
      message: `"${raw}" is a relative path. Enter a full path that starts at the root, e.g. ${process.platform === 'win32' ? 'D:\\Backups\\MyOrg' : '/srv/orgkeeper/myorg'}.`
    };
  }
  const path = normalize(resolve(raw)).replace(/(.)[\\/]+$/, '$1');
  try {
    await makeFolders(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') return { ok: false, message: `${path} (or a part of it) is a file, not a folder. Enter a folder.` };
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, message: `OrgKeeper may not create ${path}. Create the folder and give the account running OrgKeeper write access, or choose another.` };
    }
    return { ok: false, message: `${path} cannot be created: ${(error as Error).message}. Choose another folder.` };
  }
  let realPath: string;
  try {
    realPath = await fs.realpath(path);
    const stat = await fs.stat(realPath);
    if (!stat.isDirectory()) return { ok: false, message: `${path} is a file, not a folder. Enter a folder.` };
  } catch (error) {
    return { ok: false, message: `${path} cannot be read: ${(error as Error).message}. Choose another folder.` };
  }
  const probe = resolve(realPath, `.orgkeeper-write-test-${randomBytes(6).toString('hex')}`);
  try {
    await fs.writeFile(probe, 'OrgKeeper checks that it can write here; this file is deleted at once.\n', { flag: 'wx' });
    await fs.unlink(probe);
  } catch (error) {
    await fs.unlink(probe).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the file system is read-only' : (error as Error).message;
    return {
      ok: false,
      message: `OrgKeeper cannot write to ${path} (${why}). Give the account running OrgKeeper write access to it, or choose another folder.`
    };
  }
  return { ok: true, path, realPath };
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
 * `mkdir -p` one level at a time. Node's recursive mkdir never returns on some special file systems (it loops on
 * ENOENT under /proc), so the missing folders are created from the nearest existing parent down.
 */
async function makeFolders(path: string): Promise<void> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      await fs.stat(current);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await fs.mkdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
