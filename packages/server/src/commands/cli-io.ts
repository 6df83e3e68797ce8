import type { Readable, Writable } from 'node:stream';

/** What a command reads and writes; tests pass their own. */
export interface CliIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); serve waits on it. */
  stopSignal?: () => Promise<string>;
}

/** Wrong command-line input: printed with a hint to --help, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string = ''
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
