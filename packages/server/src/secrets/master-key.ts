import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { masterKeyFile, parseSecretKey, type Config } from '../config/config.js';

/** The master key is missing, unreadable, malformed, or its file is too open. */
export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export interface MasterKey {
  key: Buffer;
  source: 'environment' | 'file';
  /** The key file, when the key came from one. */
  file?: string;
  /** True when this call generated the key file. */
  created: boolean;
}

/**
 * The master key from ORGKEEPER_SECRET_KEY, else `<dataDir>/master.key` (generated with mode 0600 on first run).
 * Refuses a key file that group or others can read: the key decrypts every stored credential.
 */
export async function loadMasterKey(config: Pick<Config, 'dataDir' | 'secretKey'>): Promise<MasterKey> {
  if (config.secretKey) return { key: config.secretKey, source: 'environment', created: false };
  const file = masterKeyFile(config);

  const created = await createKeyFileIfMissing(file);
  if (created) return { key: created, source: 'file', file, created: true };

  const stat = await fs.stat(file);
  if (!stat.isFile()) throw new MasterKeyError(`The master key path ${file} is not a file.`);
  // POSIX permission bits do not apply on Windows; there the folder's ACL protects the key.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
    throw new MasterKeyError(
      `Refusing to start: the master key file ${file} is open to other users (mode ${mode}); only its owner may read it. ` +
        `Restrict it with \`chmod 600 ${file}\` and start again.`
    );
  }
  const text = await fs.readFile(file, 'utf8');
  const key = parseSecretKey(text);
  if (!key) {
    throw new MasterKeyError(
      `The master key file ${file} does not hold a 32-byte key in base64 or hex. ` +
        'Restore it from your backup: without the original key, stored credentials cannot be decrypted.'
    );
  }
  return { key, source: 'file', file, created: false };
}

/**
 * Writes a new key to a private temporary file and hard-links it into place: the link fails if a key
 * already exists (two processes starting at once cannot both write one), and a crash never leaves a
 * half-written key file behind.
 */
async function createKeyFileIfMissing(file: string): Promise<Buffer | null> {
  try {
    await fs.access(file, constants.F_OK);
    return null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new MasterKeyError(`Cannot read the master key file ${file}: ${(error as Error).message}`);
    }
  }
  const key = randomBytes(32);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temporary, file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Some network and FAT file systems have no hard links: fall back to an exclusive create.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
      await fs.writeFile(file, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw new MasterKeyError(`Cannot create the master key file ${file}: ${(error as Error).message}`);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}
