import { toArcGISFailure } from '../arcgis/arcgis-errors.js';
import { IwaUnavailableError, negotiateHeader } from '../arcgis/iwa-client.js';
import { normalizePortalUrl } from '../arcgis/portal-url.js';
import { DEFAULT_RETRY_POLICY } from '../arcgis/retry.js';
import { CredentialsExpiredError } from '../arcgis/token-source.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { CredentialVault } from './credential-vault.js';
import { checkFileLocation, freeBytes } from './file-location.js';
import { adminProblem } from './sign-in-problems.js';
import type { ArcGISSessionFactory } from './arcgis-session-factory.js';
import type { IdentityStores } from './identity-stores.js';
import { isObjectStorageLocation } from '../store/index.js';
import type { CheckResult, CheckStatus, IdentityRow, TestReport } from './identity.types.js';
import { fetchSignedIn, probePortal, type SignedInInfo } from './portal-client.js';

/**
 * What the organization's recycle bin means for Clean and Restore: on, deletes keep items (and their ids) for at least
 * 14 days, so Undo and Restore bring them back with their ids; off or absent, deletes are permanent and items come back
 * from backups with new ids on ArcGIS Online.
 */
export function recycleBinCheck(info: SignedInInfo | undefined): [CheckStatus, string] {
  if (!info) return ['skipped', 'Skipped: not signed in.'];
  if (info.portal.isPortal) return ['skipped', 'ArcGIS Enterprise has no recycle bin: deletes are permanent; Undo and Restore recreate deleted items from backups (keeping their ids).'];
  const { supported, enabled } = info.recycleBin;
  if (enabled) return ['ok', 'On: deleted items stay in the recycle bin for at least 14 days. Clean\u2019s deletes go there, and Undo and Restore bring them back from it with their ids.'];
  if (supported) {
    return ['warning', 'Off: deletes are permanent, and Undo and Restore recreate deleted items from backups with new ids (references to them are rewritten). An administrator can turn the recycle bin on in the organization\u2019s settings.'];
  }
  return ['warning', 'This organization has no recycle bin (trial organizations do not): deletes are permanent, and Undo and Restore recreate deleted items from backups with new ids.'];
}

/** Below this much free space the File Location check warns. */
export const LOW_SPACE_BYTES = 1024 ** 3;
/** A refresh token ending sooner than this is a warning (OrgKeeper renews it, so this means renewal is failing). */
const REFRESH_WARNING_MS = 3 * 24 * 3600_000;

const LABELS: Record<CheckResult['id'], string> = {
  portal_reachable: 'Portal reachable',
  kind_matches: 'Kind matches',
  signed_in: 'Signed in',
  administrator: 'Administrator',
  recycle_bin: 'Recycle bin',
  token_lifetime: 'Token lifetime',
  file_location: 'File Location writable with free space'
};

type AddCheck = (id: CheckResult['id'], status: CheckResult['status'], message: string) => void;

/** `POST /api/identities/:id/test`: each check on its own, so the administrator sees exactly what is wrong. */
export class IdentityChecks {
  constructor(private readonly deps: { arcgisSessions: ArcGISSessionFactory; vault: CredentialVault; clock: Clock; stores?: IdentityStores }) {}

  async run(row: IdentityRow): Promise<TestReport> {
    const checks: CheckResult[] = [];
    const add: AddCheck = (id, status, message) => checks.push({ id, label: LABELS[id], status, message });
    const reachable = await this.portalChecks(row, add);
    await this.signInChecks(row, reachable, add);

    // 5. Token lifetime: will scheduled work still be able to sign in?
    add(...this.tokenLifetime(row));

    await this.fileLocationCheck(row, add);
    return { ok: checks.every((c) => c.status !== 'failed'), checks };
  }

  /** 1-2. Reachable, and the kind this identity was added as. Answers whether the portal answered. */
  private async portalChecks(row: IdentityRow, add: AddCheck): Promise<boolean> {
    const { portalUrl, restUrl } = normalizePortalUrl(row.portal_url);
    const kind = row.type === 'online' ? 'ArcGIS Online organization' : 'ArcGIS Enterprise portal';
    let iwaError: string | undefined;
    let iwa = false;
    if (row.auth_method === 'iwa') {
      try {
        await negotiateHeader(restUrl);
        iwa = true;
      } catch (error) {
        iwaError = error instanceof IwaUnavailableError ? error.message : String(error);
      }
    }
    const probe = await probePortal(portalUrl, restUrl, iwa ? { headersFor: async (url) => ({ Authorization: await negotiateHeader(url) }) } : {});
    if (probe.kind === 'unreachable' || probe.kind === 'not_arcgis' || probe.kind === 'refused') {
      add('portal_reachable', 'failed', probe.message);
      add('kind_matches', 'skipped', 'Skipped: the portal did not answer.');
      return false;
    }
    if (probe.kind === 'negotiate') {
      add('portal_reachable', 'ok', `${portalUrl} answers and asks for Windows sign-in (IWA).`);
      add('kind_matches', row.type === 'enterprise' ? 'skipped' : 'failed',
        row.type === 'enterprise'
          ? `Skipped: ${iwaError ?? 'the portal did not accept the Kerberos ticket'}, so it could not be asked what it is.`
          : 'ArcGIS Online never asks for Windows sign-in: this URL is an ArcGIS Enterprise portal. Add it under ArcGIS Enterprise.');
      return true;
    }
    add('portal_reachable', 'ok', `${portalUrl} answers as an ArcGIS portal.`);
    const matches = probe.portal.isPortal === (row.type === 'enterprise');
    add('kind_matches', matches ? 'ok' : 'failed', matches
      ? `It is an ${kind}${probe.portal.portalName ? ` (${probe.portal.portalName})` : ''}.`
      : probe.portal.isPortal
        ? 'This URL is an ArcGIS Enterprise portal, but the identity was added under ArcGIS Online. Add it under ArcGIS Enterprise.'
        : 'This URL is an ArcGIS Online organization, but the identity was added under ArcGIS Enterprise. Add it under ArcGIS Online.');
    return true;
  }

  /** 3-4. Signed in, as an administrator of this organization. */
  private async signInChecks(row: IdentityRow, reachable: boolean, add: AddCheck): Promise<void> {
    if (!reachable) {
      add('signed_in', 'skipped', 'Skipped: the portal did not answer.');
      add('administrator', 'skipped', 'Skipped: the portal did not answer.');
      return;
    }
    let info: SignedInInfo | undefined;
    try {
      const session = this.deps.arcgisSessions.sessionForRow(row, { retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, maxThrottleAttempts: 3 }, timeoutMs: 30_000 });
      info = await fetchSignedIn(session);
      add('signed_in', 'ok', `Signed in as "${info.user.username}"${row.auth_method === 'iwa' ? ' (IWA, the account running OrgKeeper)' : ''}.`);
    } catch (error) {
      const message =
        error instanceof AppError || error instanceof IwaUnavailableError || error instanceof CredentialsExpiredError
          ? error.message
          : `The portal refused the request: ${toArcGISFailure(error).message}. Press Connect to sign in again.`;
      add('signed_in', 'failed', message);
    }
    if (!info) add('administrator', 'skipped', 'Skipped: not signed in.');
    else {
      const problem = adminProblem(row, info);
      add('administrator', problem ? 'failed' : 'ok', problem ? problem.message : `"${info.user.username}" is an administrator of ${info.portal.portalName ?? row.portal_name ?? normalizePortalUrl(row.portal_url).portalUrl}.`);
    }
    add('recycle_bin', ...recycleBinCheck(info));
  }

  /**
   * 6. File Location: writable, with room for backups (object storage: write, read, list, delete and conditional
   * writes work, and the store there fits the identity).
   */
  private async fileLocationCheck(row: IdentityRow, add: AddCheck): Promise<void> {
    if (isObjectStorageLocation(row.file_location) && this.deps.stores) {
      let problem: string | undefined;
      try {
        problem = (await this.deps.stores.checkLocation(this.deps.stores.location(row), { encrypt: row.store_encryption === 1, orgId: row.org_id })).problem;
      } catch (error) {
        problem = (error as Error).message;
      }
      add('file_location', problem ? 'failed' : 'ok', problem ?? `${row.file_location}: OrgKeeper can write, read, list and delete there, and the service keeps writers apart (conditional writes).`);
      return;
    }
    const location = await checkFileLocation(row.file_location);
    if (!location.ok) {
      add('file_location', 'failed', location.message);
      return;
    }
    try {
      const free = await freeBytes(location.realPath);
      add('file_location', free < LOW_SPACE_BYTES ? 'warning' : 'ok',
        free < LOW_SPACE_BYTES
          ? `${row.file_location} is writable but has only ${formatBytes(free)} free. Free up space or choose a larger disk before backing up.`
          : `${row.file_location} is writable; ${formatBytes(free)} free.`);
    } catch (error) {
      add('file_location', 'warning', `${row.file_location} is writable, but its free space could not be read: ${(error as Error).message}.`);
    }
  }

  private tokenLifetime(row: IdentityRow): [CheckResult['id'], CheckResult['status'], string] {
    if (row.auth_method === 'iwa') {
      return ['token_lifetime', 'ok', 'IWA has no tokens to expire: OrgKeeper signs in with the Kerberos ticket of its service account on every request. Keep that ticket renewed (keytab).'];
    }
    let held;
    try {
      held = this.deps.vault.get(row);
    } catch {
      held = undefined;
    }
    if (!held) return ['token_lifetime', 'skipped', 'Skipped: not signed in.'];
    const c = held.credentials;
    const now = this.deps.clock().getTime();
    const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    if (row.store_credentials !== 1) {
      return ['token_lifetime', 'warning',
        'Credentials are kept in memory only: after OrgKeeper restarts someone must sign in again, and scheduled work cannot run unattended. Turn on Store credentials.'];
    }
    if (c.refreshToken && c.refreshTokenExpires) {
      const left = c.refreshTokenExpires - now;
      if (left < REFRESH_WARNING_MS) {
        return ['token_lifetime', 'warning',
          `The refresh token expires ${left <= 0 ? 'now' : `on ${when(c.refreshTokenExpires)}`}${c.password ? '; the stored password will be used after that' : ''}. OrgKeeper renews it days before; if this stays, connect again.`];
      }
      return ['token_lifetime', 'ok', `Refresh token valid until ${when(c.refreshTokenExpires)}; OrgKeeper renews it well before then.${c.tokenExpires ? ` Access token valid until ${when(c.tokenExpires)}.` : ''}`];
    }
    if (c.password) {
      return ['token_lifetime', 'ok', `Signs in with the stored password of the built-in account "${c.username}" whenever a token expires.${c.tokenExpires ? ` Current token valid until ${when(c.tokenExpires)}.` : ''}`];
    }
    return ['token_lifetime', 'warning', `Only an access token${c.tokenExpires ? ` valid until ${when(c.tokenExpires)}` : ''} is stored, with no refresh token: connect again so OrgKeeper gets one.`];
  }
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
