// The harness's own contract: a missing browser never lets CI pass by skipping.
import { afterEach, describe, expect, it } from 'vitest';
import { requireTool } from './support/require-tool';

const MISSING = '/nonexistent/orgkeeper-test-tool';
const savedCi = process.env.CI;

afterEach(() => {
  if (savedCi === undefined) delete process.env.CI;
  else process.env.CI = savedCi;
});

function skipSpy(): { skip: (note: string) => never; notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    skip: (note: string): never => {
      notes.push(note);
      throw new Error('skipped');
    }
  };
}

describe('requireTool', () => {
  it('fails, naming the tool and how to install it, when CI=true', () => {
    process.env.CI = 'true';
    const { skip, notes } = skipSpy();
    expect(() => requireTool(MISSING, 'install it with apt-get.', skip)).toThrow(
      `${MISSING} is not installed or not executable; install it with apt-get. (CI=true: a missing tool is a failure).`
    );
    expect(notes).toEqual([]);
  });

  it('skips with the reason on a developer machine', () => {
    delete process.env.CI;
    const { skip, notes } = skipSpy();
    expect(() => requireTool(MISSING, 'install it with apt-get.', skip)).toThrow('skipped');
    expect(notes).toEqual([`${MISSING} is not installed or not executable; install it with apt-get.`]);
  });

  it('accepts an installed executable', () => {
    process.env.CI = 'true';
    const { skip } = skipSpy();
    expect(() => requireTool(process.execPath, 'unused', skip)).not.toThrow();
  });
});
