import { hostname } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Actor } from '../audit/audit.service.js';

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

/** Who the audit log names for changes made from the command line. */
export const CLI_ACTOR: Actor = { kind: 'system', name: 'cli' };

/**
 * The operating-system user running a command, named in the audit log of the changes it makes (`cli:USER`).
 * From USER/USERNAME, else the host name.
 */
export function cliUserActor(): Actor {
  return { kind: 'system', name: `cli:${process.env.USER ?? process.env.USERNAME ?? hostname()}` };
}

/** `parseArgs` with unknown or malformed options turned into a usage error of `command` (exit code 2). */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

/** `key=value` options (`--param`, `--option`): each value is JSON when it parses as JSON, else plain text. */
export function keyValues(entries: readonly string[], flag: string, command: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} needs key=value, not "${entry}".`, command);
    const raw = entry.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Plain text.
    }
    result[entry.slice(0, eq)] = value;
  }
  return result;
}

/** Text from ArcGIS (titles, reasons) is untrusted: one line, no control characters reach the terminal. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

/** Rows of cells as aligned text lines: each column padded to its widest cell, two spaces apart, the last unpadded. */
export function textTable(rows: readonly (readonly string[])[]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  '));
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A password from standard input (`--password-stdin`): everything up to EOF when piped, or up to Enter when typed
 * on a terminal (not echoed), without the line end. `command` names the command in usage errors.
 */
export async function readPasswordFromStdin(io: CliIo, options: { prompt: string; command: string }): Promise<string> {
  const text = io.stdin.isTTY ? await promptHidden(io, options) : await readAll(io.stdin);
  const password = text.replace(/\r?\n$/, '');
  if (/[\r\n]/.test(password)) throw new UsageError('Standard input must hold only the password, on one line.', options.command);
  if (password === '') throw new UsageError('No password on standard input.', options.command);
  return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function promptHidden(io: CliIo, options: { prompt: string; command: string }): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(options.prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new UsageError('Cancelled.', options.command));
        if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

const HELP_WORDS = ['-h', '--help', 'help'];

/** Whether a command with subcommands was given none (`orgkeeper store`) or was asked for help (`orgkeeper store -h`). */
export function isUsageRequest(sub: string | undefined): sub is undefined | '-h' | '--help' | 'help' {
  return sub === undefined || HELP_WORDS.includes(sub);
}

/** Prints a command's usage: asked for, on stdout (exit 0); for a missing subcommand, on stderr (exit 2). */
export function writeUsage(io: CliIo, usage: string, sub: string | undefined): number {
  (sub === undefined ? io.stderr : io.stdout).write(usage);
  return sub === undefined ? EXIT_USAGE : EXIT_OK;
}
