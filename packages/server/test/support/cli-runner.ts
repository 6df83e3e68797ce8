import { Readable, Writable } from 'node:stream';
import { main } from '../../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process, as `orgkeeper ...` would, against the given data directory. */
export async function runCli(args: string[], options: { dataDir: string; stdin?: string; cwd?: string; env?: Record<string, string> }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      }
    });
  const code = await main(args, {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: { ORGKEEPER_DATA_DIR: options.dataDir, ORGKEEPER_PUBLIC_URL: 'https://orgkeeper.example.org', ...options.env },
    cwd: options.cwd ?? options.dataDir,
    // Never resolves: the command must not install process signal handlers in the test process.
    stopSignal: () => new Promise<string>(() => undefined)
  });
  return { code, stdout, stderr };
}
