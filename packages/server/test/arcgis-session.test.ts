import { queryFeatures } from '@esri/arcgis-rest-feature-service';
import { getSelf } from '@esri/arcgis-rest-portal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SERVICE_NAMES, type EmulatorHandle, startEmulator } from '@orgkeeper/arcgis-emulator';
import { ArcGISSession } from '../src/arcgis/arcgis-session.js';
import { OAuthTokenSource } from '../src/arcgis/token-source.js';

describe('ArcGISSession against the emulator', () => {
  let emu: EmulatorHandle;

  beforeAll(async () => {
    emu = await startEmulator({ host: '127.0.0.1', port: 0, quiet: true });
  });

  afterAll(async () => {
    await emu?.close();
  });

  function newSession(): ArcGISSession {
    const auth = new OAuthTokenSource({ restUrl: emu.restUrl, credentials: { username: emu.admin.username, password: emu.admin.password } });
    return new ArcGISSession({
      portalUrl: emu.portalUrl,
      restUrl: emu.restUrl,
      auth,
      retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxThrottleAttempts: 3 }
    });
  }

  const layerUrl = () => `${emu.servicesRoot}/${DEMO_SERVICE_NAMES.parks}/FeatureServer/0`;

  it('recovers when getting a server token failed once (rest-js caches failed token requests)', async () => {
    const session = newSession();
    await session.call('self', () => getSelf(session.requestOptions)); // the portal token
    // the federated-server token request fails for a while...
    emu.faults.update({ errorRate: 1, pathFilter: ['generateToken'] });
    await expect(session.call('query', () => queryFeatures({ url: layerUrl(), where: '1=1', returnCountOnly: true, ...session.requestOptions }))).rejects.toThrow();
    // ...then the portal answers again: the same session must work, not repeat the cached failure.
    emu.faults.update({ errorRate: 0, pathFilter: [] });
    const result = (await session.call('query', () =>
      queryFeatures({ url: layerUrl(), where: '1=1', returnCountOnly: true, ...session.requestOptions })
    )) as { count: number };
    expect(result.count).toBeGreaterThan(0);
  });

  it('retries server errors and resets, and counts the retries', async () => {
    const session = newSession();
    await session.call('self', () => getSelf(session.requestOptions));
    emu.faults.update({ errorRate: 0.5, resetRate: 0, pathFilter: ['FeatureServer'] });
    try {
      let ok = 0;
      for (let i = 0; i < 10; i++) {
        try {
          await session.call('query', () => queryFeatures({ url: layerUrl(), where: '1=1', returnCountOnly: true, ...session.requestOptions }));
          ok++;
        } catch {
          // three failures in a row can happen at a 50% error rate
        }
      }
      expect(ok).toBeGreaterThanOrEqual(6);
      expect(session.stats.retries).toBeGreaterThan(0);
    } finally {
      emu.faults.update({ errorRate: 0, pathFilter: [] });
    }
  });
});
