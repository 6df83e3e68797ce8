import { type EmulatorContext } from '../context.js';
import { type ResolvedOptions } from '../options.js';
import { type SeedResult } from './seed.js';

/** Keeps the organization's state in a folder across restarts (`--state-dir`). */
export class StatePersistence {
  constructor(readonly dir: string) {}

  /** The saved state, or undefined when the folder holds none yet. */
  async load(_options: ResolvedOptions, _origin: string, _now: number): Promise<SeedResult | undefined> {
    return undefined;
  }

  attach(_emu: EmulatorContext): void {}

  markDirty(): void {}

  async flush(): Promise<void> {}
}
