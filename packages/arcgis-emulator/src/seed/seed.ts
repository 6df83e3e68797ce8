import { type EmulatorContext, computeUrls } from '../context.js';
import { FaultController } from '../faults/fault-controller.js';
import { RequestLog } from '../faults/request-log.js';
import { type ResolvedOptions } from '../options.js';
import { type EmulatorState } from '../state/state.js';
import { type UserRecord } from '../state/types.js';
import { createBaseState } from './base.js';
import { seedDemo } from './demo.js';
import { loadSeedFile } from './seed-file.js';
import { seedScale } from './scale.js';

export interface SeedResult {
  state: EmulatorState;
  admin: UserRecord;
  /** Client ID of the registered application. */
  appId: string;
}

/**
 * Builds the organization named by `--seed`: `empty`, `demo` or a JSON seed file (see SEED-FORMAT.md), grown by
 * `--scale N` when N > 1. `now` anchors every seeded date, so the same options give the same organization.
 */
export async function buildInitialState(options: ResolvedOptions, origin: string, now: number): Promise<SeedResult> {
  const base = createBaseState(options, now);
  const result: SeedResult = { state: base.state, admin: base.admin, appId: base.app.clientId };
  const emu = seedContext(options, origin, base.state, now);
  if (options.seed === 'demo') {
    seedDemo(emu, now);
  } else if (options.seed !== 'empty') {
    await loadSeedFile(emu, options.seed, now);
  }
  if (options.scale > 1) seedScale(emu, now, options.scale);
  return result;
}

/**
 * The parts of an EmulatorContext the seeders use (the factory of hosted services takes one), before the server's
 * own context exists: a clock frozen at `now` so every seeded date derives from it.
 */
export function seedContext(options: ResolvedOptions, origin: string, state: EmulatorState, now: number): EmulatorContext {
  return {
    options,
    state,
    urls: computeUrls(options.kind, origin, state.org.id),
    faults: new FaultController(),
    requestLog: new RequestLog(1),
    clock: { offsetMs: 0, now: () => now },
    markDirty: () => {}
  };
}
