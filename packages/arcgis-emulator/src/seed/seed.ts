import { type ResolvedOptions } from '../options.js';
import { type EmulatorState } from '../state/state.js';
import { type UserRecord } from '../state/types.js';
import { createBaseState } from './base.js';

export interface SeedResult {
  state: EmulatorState;
  admin: UserRecord;
  /** Client ID of the registered application. */
  appId: string;
}

/** Builds the organization named by `--seed`: `empty`, `demo` or a JSON seed file. */
export async function buildInitialState(options: ResolvedOptions, origin: string, now: number): Promise<SeedResult> {
  const base = createBaseState(options, now);
  const result: SeedResult = { state: base.state, admin: base.admin, appId: base.app.clientId };
  if (options.seed === 'empty') return result;
  // demo and seed files are added by the seed module
  void origin;
  return result;
}
