import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { errnoCode } from './store-error.js';

/**
 * fsync a directory so a rename or create inside it survives a power loss. Some platforms and network file systems
 * cannot open or sync a directory (Windows: EPERM/EISDIR; some SMB mounts: EINVAL); there the rename is as durable as
 * the platform allows, which is why those errors are ignored and only those.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = errnoCode(error);
    if (code !== 'EPERM' && code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'ENOTSUP') throw error;
  } finally {
    await handle?.close();
  }
}

/** A unique temporary name beside `target` (dot-prefixed so listings skip it; `.tmp` so cleanup finds it). */
export function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/**
 * Write a file so that readers see either the old content or the new one, never a part, even after a crash or power
 * loss: temporary file in the same folder, write, fsync file, rename over the target, fsync the folder.
 */
export async function writeFileAtomic(target: string, content: string | Uint8Array): Promise<void> {
  const temp = tempNameFor(target);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(target));
}

/** Creates a folder (and missing parents) private to this account; an existing folder is left as it is. */
export async function ensureDir(dir: string): Promise<string | undefined> {
  return mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** A file's text, or undefined when it does not exist; other errors are thrown. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}
