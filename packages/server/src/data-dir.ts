import { constants, promises as fs } from 'node:fs';

/** The data directory is missing and cannot be created, is not a folder, or is not writable. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/** Creates the data directory (private to this user) if missing, and checks it is a writable folder. */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new DataDirError(`The data directory ${dir} is a file, not a folder. Choose another --data-dir.`);
    }
    throw new DataDirError(`Cannot create the data directory ${dir}: ${(error as Error).message}. Create it or choose another --data-dir.`);
  }
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) throw new DataDirError(`The data directory ${dir} is not a folder. Choose another --data-dir.`);
  try {
    await fs.access(dir, constants.R_OK | constants.W_OK);
  } catch {
    throw new DataDirError(`The data directory ${dir} is not writable by this user. Fix its permissions or choose another --data-dir.`);
  }
}
