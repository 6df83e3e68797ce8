import { accessSync, constants } from 'node:fs';

/**
 * Makes sure an external program the test needs is installed. Missing on a developer machine: the test is skipped
 * with the reason. Missing under CI=true: the test fails, so CI never passes by skipping.
 */
export function requireTool(executable: string, install: string, skip: (note: string) => never): void {
  try {
    accessSync(executable, constants.X_OK);
    return;
  } catch {
    const message = `${executable} is not installed or not executable; ${install}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing tool is a failure).`);
    skip(message);
  }
}
