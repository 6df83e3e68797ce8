import { describe, expect, it } from 'vitest';
import { startEmulator } from '../server.js';
import { type EmulatorContext } from '../context.js';
import { resolveOptions } from '../options.js';
import { createBaseState } from '../seed/base.js';
import { createIwaAuthenticator, userForPrincipal } from './iwa.js';

function context(): EmulatorContext {
  const options = resolveOptions({ kind: 'enterprise', seed: 'empty' });
  const { state } = createBaseState(options, Date.now());
  return { options, state } as unknown as EmulatorContext;
}

describe('IWA principal mapping', () => {
  it('maps an explicit kerberosPrincipal first, then the principal’s primary part, case-insensitively', () => {
    const emu = context();
    const admin = emu.state.getUser('gis_admin')!;
    expect(userForPrincipal(emu, 'GIS_ADMIN@OK.TEST')?.username).toBe('gis_admin');
    expect(userForPrincipal(emu, 'svc@OK.TEST')).toBeNull();
    admin.kerberosPrincipal = 'svc@OK.TEST';
    expect(userForPrincipal(emu, 'SVC@ok.test')?.username).toBe('gis_admin');
    admin.disabled = true;
    expect(userForPrincipal(emu, 'svc@OK.TEST')).toBeNull();
  });
});

describe('IWA start-up', () => {
  it('fails with a clear message when the keytab does not exist', async () => {
    const options = resolveOptions({ kind: 'enterprise', seed: 'empty', iwa: true, keytab: '/nonexistent/http.keytab' });
    await expect(createIwaAuthenticator(options, context())).rejects.toThrow('--keytab /nonexistent/http.keytab: no such file');
  });

  it('refuses IWA on the online kind', async () => {
    await expect(startEmulator({ kind: 'online', iwa: true, keytab: '/tmp/x', port: 0, quiet: true })).rejects.toThrow(/--iwa needs --kind enterprise/);
  });
});
