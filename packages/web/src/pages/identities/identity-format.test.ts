import { describe, expect, it } from 'vitest';
import type { Identity } from '../../api/identities.api';
import { connectReturnNotice, formatExpiry, formatRelative, isPast, parseConnectReturn, statusView } from './identity-format';

const NOW = Date.parse('2026-11-24T21:00:00Z');

function identity(overrides: Partial<Identity> = {}, status: Partial<Identity['status']> = {}): Identity {
  return {
    id: 'id-1',
    type: 'online',
    name: 'Demo City GIS',
    url: 'https://demo.maps.arcgis.com',
    authMethod: 'oauth2',
    appId: 'abc',
    fileLocation: '/srv/demo',
    fileLocationKind: 'folder',
    hasFileLocationCredentials: false,
    encryptBackups: false,
    storeCredentials: true,
    orgId: null,
    portalName: null,
    createdAt: '2026-11-24T20:00:00Z',
    updatedAt: '2026-11-24T20:00:00Z',
    ...overrides,
    status: {
      state: 'not_connected',
      message: null,
      username: null,
      connectedAt: null,
      tokenExpires: null,
      refreshTokenExpires: null,
      hasStoredPassword: false,
      ...status
    }
  };
}

describe('formatRelative', () => {
  it('says how far away a moment is in the unit people use', () => {
    expect(formatRelative('2026-11-24T21:30:00Z', NOW, 'en-US')).toBe('in 30 minutes');
    expect(formatRelative('2026-11-24T22:00:00Z', NOW, 'en-US')).toBe('in 60 minutes');
    expect(formatRelative('2026-11-25T03:00:00Z', NOW, 'en-US')).toBe('in 6 hours');
    expect(formatRelative('2026-12-08T21:00:00Z', NOW, 'en-US')).toBe('in 14 days');
    expect(formatRelative('2026-11-24T18:00:00Z', NOW, 'en-US')).toBe('3 hours ago');
    expect(formatRelative('2026-11-24T21:00:20Z', NOW, 'en-US')).toBe('in less than a minute');
  });

  it('shows nothing for a missing or unreadable date', () => {
    expect(formatRelative(null, NOW)).toBe('');
    expect(formatRelative('not a date', NOW)).toBe('');
    expect(formatExpiry(undefined, NOW)).toBe('');
  });

  it('puts the local date first and the distance in brackets', () => {
    const text = formatExpiry('2026-11-24T21:30:00Z', NOW, 'en-US');
    expect(text).toMatch(/^Nov 24, 2026, .+ \(in 30 minutes\)$/);
    expect(isPast('2026-11-24T20:59:00Z', NOW)).toBe(true);
    expect(isPast('2026-11-24T21:01:00Z', NOW)).toBe(false);
  });
});

describe('statusView', () => {
  it('names the signed-in user when connected', () => {
    expect(statusView(identity({}, { state: 'connected', username: 'gis_admin' }))).toMatchObject({
      kind: 'success',
      label: 'Connected as gis_admin'
    });
  });

  it('keeps the server reason for errors and sign-in requests, with a fallback', () => {
    expect(statusView(identity({}, { state: 'error', message: 'Not an administrator.' }))).toMatchObject({
      kind: 'danger',
      label: 'Error',
      detail: 'Not an administrator.'
    });
    expect(statusView(identity({}, { state: 'needs_sign_in' })).detail).toMatch(/Press Connect/);
  });

  it('tells IWA and OAuth2 identities apart when not connected', () => {
    expect(statusView(identity({ authMethod: 'iwa', type: 'enterprise', appId: null })).detail).toMatch(/Kerberos/);
    expect(statusView(identity()).detail).toMatch(/portal's own sign-in page/);
  });
});

describe('the return from the portal sign-in page', () => {
  it('is recognized only with a result', () => {
    expect(parseConnectReturn('?identity=1')).toBeNull();
    expect(parseConnectReturn('?identity=1&result=bogus')).toBeNull();
    expect(parseConnectReturn('?identity=1&result=error&code=cancelled&message=Stopped')).toEqual({
      identityId: '1',
      result: 'error',
      code: 'cancelled',
      message: 'Stopped'
    });
  });

  it('becomes a success notice naming the user', () => {
    const notice = connectReturnNotice(
      { identityId: 'id-1', result: 'connected', code: null, message: null },
      identity({}, { state: 'connected', username: 'gis_admin' })
    );
    expect(notice).toMatchObject({ kind: 'success', title: '"Demo City GIS" is connected', showRedirectUri: false });
    expect(notice.message).toContain('gis_admin');
  });

  it('explains each refusal by what to do, preferring the server message', () => {
    const cancelled = connectReturnNotice({ identityId: null, result: 'error', code: 'cancelled', message: null }, undefined);
    expect(cancelled).toMatchObject({ kind: 'warning', title: 'Sign-in was cancelled' });
    expect(cancelled.message).toMatch(/Press Connect again/);
    expect(connectReturnNotice({ identityId: 'id-1', result: 'error', code: 'not_admin', message: 'lee is a user.' }, identity())).toMatchObject({
      kind: 'danger',
      title: 'This ArcGIS account is not an administrator',
      message: 'lee is a user.'
    });
    expect(connectReturnNotice({ identityId: null, result: 'error', code: 'redirect_uri_not_registered', message: null }, undefined)).toMatchObject({
      showRedirectUri: true
    });
    expect(connectReturnNotice({ identityId: null, result: 'error', code: 'something_new', message: null }, undefined).title).toBe(
      'The identity could not be connected'
    );
  });
});
