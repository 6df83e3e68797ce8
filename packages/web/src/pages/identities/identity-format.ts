// Pure helpers for the Identities page: dates as people read them, status wording, and the notice shown when the
// browser comes back from a portal's sign-in page.
import type { CheckStatus, Identity, IdentityType } from '../../api/identities.api';

export const SECTION_TITLES: Record<IdentityType, string> = {
  online: 'ArcGIS Online',
  enterprise: 'ArcGIS Enterprise'
};

/** A moment in the browser's own time zone: "Nov 24, 2026, 9:48 PM". Empty for a missing or unreadable value. */
export function formatDateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** How far away a moment is: "in 30 minutes", "in 14 days", "3 hours ago", "in less than a minute". */
export function formatRelative(iso: string | null | undefined, now: number = Date.now(), locale?: string): string {
  if (!iso) return '';
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) return '';
  const delta = time - now;
  const distance = Math.abs(delta);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' });
  // Whole units people say: "in 26 hours" rather than "in 1 day", "in 75 minutes" rather than "in 1 hour".
  if (distance >= 2 * 86_400_000) return format.format(Math.round(delta / 86_400_000), 'day');
  if (distance >= 90 * 60_000) return format.format(Math.round(delta / 3_600_000), 'hour');
  if (distance >= 60_000) return format.format(Math.round(delta / 60_000), 'minute');
  return delta >= 0 ? 'in less than a minute' : 'less than a minute ago';
}

/** "Nov 24, 2026, 9:48 PM (in 30 minutes)". */
export function formatExpiry(iso: string | null | undefined, now: number = Date.now(), locale?: string): string {
  const absolute = formatDateTime(iso, locale);
  if (absolute === '') return '';
  const relative = formatRelative(iso, now, locale);
  return relative === '' ? absolute : `${absolute} (${relative})`;
}

export function isPast(iso: string | null | undefined, now: number = Date.now()): boolean {
  if (!iso) return false;
  const time = new Date(iso).getTime();
  return !Number.isNaN(time) && time <= now;
}

export interface StatusView {
  kind: 'success' | 'warning' | 'danger' | 'neutral';
  icon: 'check-circle' | 'exclamation-mark-triangle' | 'x-circle' | 'circle-disallowed';
  /** Short label, e.g. "Connected as gis_admin" or "Needs sign-in". */
  label: string;
  /** What it means or what to do; may come from the server. */
  detail: string | null;
}

export function statusView(identity: Identity): StatusView {
  const { status } = identity;
  switch (status.state) {
    case 'connected':
      return {
        kind: 'success',
        icon: 'check-circle',
        label: status.username ? `Connected as ${status.username}` : 'Connected',
        detail: status.message
      };
    case 'needs_sign_in':
      return {
        kind: 'warning',
        icon: 'exclamation-mark-triangle',
        label: 'Needs sign-in',
        detail: status.message ?? 'Press Connect and sign in again as an administrator of this organization.'
      };
    case 'error':
      return {
        kind: 'danger',
        icon: 'x-circle',
        label: 'Error',
        detail: status.message ?? 'The last connection attempt failed. Press Test to see which check fails.'
      };
    default:
      return {
        kind: 'neutral',
        icon: 'circle-disallowed',
        label: 'Not connected',
        detail:
          status.message ??
          (identity.authMethod === 'iwa'
            ? 'Press Connect: OrgKeeper signs in as the Windows (Kerberos) account that runs the OrgKeeper server.'
            : "Press Connect to sign in through the portal's own sign-in page as an administrator of this organization.")
      };
  }
}

export const CHECK_ICONS: Record<CheckStatus, 'check-circle' | 'exclamation-mark-triangle' | 'x-circle' | 'minus-circle'> = {
  ok: 'check-circle',
  warning: 'exclamation-mark-triangle',
  failed: 'x-circle',
  skipped: 'minus-circle'
};

export const CHECK_STATUS_LABELS: Record<CheckStatus, string> = {
  ok: 'Passed',
  warning: 'Warning',
  failed: 'Failed',
  skipped: 'Skipped'
};

/** What the server put in the URL when it sent the browser back from the portal's sign-in page. */
export interface ConnectReturn {
  identityId: string | null;
  result: 'connected' | 'error';
  code: string | null;
  message: string | null;
}

export function parseConnectReturn(search: string | URLSearchParams): ConnectReturn | null {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const result = params.get('result');
  if (result !== 'connected' && result !== 'error') return null;
  return {
    identityId: params.get('identity'),
    result,
    code: params.get('code'),
    message: params.get('message')
  };
}

export interface OutcomeNotice {
  kind: 'success' | 'danger' | 'warning';
  title: string;
  message: string;
  /** Show the redirect URI with its copy button and the registration steps. */
  showRedirectUri: boolean;
  /** The identity the outcome is about (for the registration steps of its kind). */
  identityType: IdentityType | null;
}

/** Titles by what the administrator has to do about it. */
const ERROR_TITLES: Record<string, string> = {
  redirect_uri_not_registered: "Register OrgKeeper's redirect URI on the App ID",
  invalid_app_id: 'The portal does not know this App ID',
  cancelled: 'Sign-in was cancelled',
  not_admin: 'This ArcGIS account is not an administrator',
  wrong_org: 'Signed in to a different organization',
  oauth_error: 'The portal refused the sign-in',
  state_expired: 'The sign-in could not be finished',
  invalid_state: 'The sign-in could not be finished',
  not_found: 'The identity no longer exists',
  iwa_unavailable: 'Windows sign-in (IWA) is not available on the OrgKeeper server',
  portal_unreachable: 'The portal cannot be reached',
  arcgis_error: 'The portal answered with an error'
};

/** Fallback explanations in case the server sent only a code. */
const ERROR_MESSAGES: Record<string, string> = {
  cancelled: "The sign-in was cancelled on the portal's page. Press Connect again and sign in as an administrator of the organization.",
  not_admin:
    'The account you signed in with is not an administrator of this organization. Press Connect again and sign in with an administrator account.',
  wrong_org:
    'The account you signed in with belongs to another organization. Press Connect again and sign in with an administrator of this organization.',
  redirect_uri_not_registered:
    'The portal refused the redirect URI. Register the redirect URI below on the application with this App ID, then press Connect again.'
};

export function errorTitleFor(code: string | null | undefined): string {
  return (code && ERROR_TITLES[code]) || 'The identity could not be connected';
}

export function connectReturnNotice(ret: ConnectReturn, identity: Identity | undefined): OutcomeNotice {
  const name = identity ? `"${identity.name}"` : 'The identity';
  if (ret.result === 'connected') {
    const who = identity?.status.username;
    return {
      kind: 'success',
      title: `${name} is connected`,
      message: who
        ? `Signed in as ${who}. OrgKeeper can now act on this organization.`
        : 'The sign-in succeeded. OrgKeeper can now act on this organization.',
      showRedirectUri: false,
      identityType: identity?.type ?? null
    };
  }
  const code = ret.code ?? 'oauth_error';
  return {
    kind: code === 'cancelled' ? 'warning' : 'danger',
    title: errorTitleFor(code),
    message: ret.message || ERROR_MESSAGES[code] || 'The sign-in did not complete. Press Connect to try again.',
    showRedirectUri: code === 'redirect_uri_not_registered' || code === 'oauth_error',
    identityType: identity?.type ?? null
  };
}
