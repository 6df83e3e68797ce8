import { type EmulatorContext } from '../context.js';

const tracked = new WeakSet<EmulatorContext>();

/**
 * Makes every `emu.markDirty()` also move the state's version, so values derived from the state (indexes, cached
 * search results) are rebuilt after any change a route makes in place. Every route that changes the state already
 * calls markDirty (persistence depends on it); changes to the maps themselves move the version on their own.
 * Idempotent: read paths call it too, so a context built outside the server (tests) is covered before its first read.
 */
export function trackStateWrites(emu: EmulatorContext): void {
  if (tracked.has(emu)) return;
  tracked.add(emu);
  const persist = emu.markDirty.bind(emu);
  emu.markDirty = () => {
    emu.state.touch();
    persist();
  };
}
