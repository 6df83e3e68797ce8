// The File Location as the form edits it: a folder, an S3 (or S3-compatible) prefix, or an Azure container prefix,
// turned into the one string the server takes (and parsed back from it for editing). The server checks everything
// again and tries the location before it saves.
import type { LocationCredentialsInput } from '../../api/identities.api';

export type LocationKind = 'folder' | 's3' | 'azure';
export type AzureAuth = 'key' | 'sas' | 'chain';

/** Where the store is (the `fileLocation` field). */
export interface LocationValues {
  kind: LocationKind;
  folder: string;
  s3Bucket: string;
  s3Prefix: string;
  s3Region: string;
  /** An S3-compatible service (MinIO, Wasabi, Ceph, a NAS); empty for AWS. */
  s3Endpoint: string;
  s3PathStyle: boolean;
  azureAccountUrl: string;
  azureContainer: string;
  azurePrefix: string;
}

/** How OrgKeeper signs in there (the `fileLocationCredentials` field): never sent back by the server. */
export interface CredentialValues {
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  azureAuth: AzureAuth;
  azureAccountKey: string;
  azureSasToken: string;
}

export const EMPTY_LOCATION: LocationValues = {
  kind: 'folder',
  folder: '',
  s3Bucket: '',
  s3Prefix: '',
  s3Region: '',
  s3Endpoint: '',
  s3PathStyle: false,
  azureAccountUrl: '',
  azureContainer: '',
  azurePrefix: ''
};

export const EMPTY_CREDENTIALS: CredentialValues = { s3AccessKeyId: '', s3SecretAccessKey: '', azureAuth: 'key', azureAccountKey: '', azureSasToken: '' };

/** The credential choice shown when editing: the Azure sign-in kind the saved location uses (keys stay blank). */
export function credentialValuesFor(text: string, hasCredentials: boolean): CredentialValues {
  return { ...EMPTY_CREDENTIALS, azureAuth: /^(azure|https?):\/\//i.test(text) && !hasCredentials ? 'chain' : 'key' };
}

const prefixOf = (text: string) => {
  const parts = text.split('/').filter((p) => p.trim() !== '');
  return parts.length === 0 ? '' : `${parts.join('/')}/`;
};

/** The File Location string the server takes. */
export function locationText(values: LocationValues): string {
  if (values.kind === 'folder') return values.folder.trim();
  if (values.kind === 's3') {
    const query = new URLSearchParams();
    if (values.s3Endpoint.trim()) query.set('endpoint', values.s3Endpoint.trim());
    if (values.s3Region.trim()) query.set('region', values.s3Region.trim());
    if (values.s3PathStyle) query.set('path-style', 'true');
    const q = query.toString();
    return `s3://${values.s3Bucket.trim()}/${prefixOf(values.s3Prefix)}${q ? `?${q}` : ''}`;
  }
  const accountUrl = values.azureAccountUrl.trim().replace(/\/+$/, '');
  const container = values.azureContainer.trim();
  const prefix = prefixOf(values.azurePrefix);
  if (/^https:\/\/[a-z0-9]{3,24}\.blob\.core\.[a-z0-9.-]+$/i.test(accountUrl)) return `${accountUrl}/${container}/${prefix}`;
  return `azure://${container}/${prefix}?account-url=${encodeURIComponent(accountUrl)}`;
}

/** A saved File Location back into the form's fields. */
export function parseLocation(text: string): LocationValues {
  const values = { ...EMPTY_LOCATION };
  try {
    if (/^s3:\/\//i.test(text)) {
      const url = new URL(text);
      return {
        ...values,
        kind: 's3',
        s3Bucket: url.hostname,
        s3Prefix: decodeURIComponent(url.pathname).replace(/^\/+/, ''),
        s3Region: url.searchParams.get('region') ?? '',
        s3Endpoint: url.searchParams.get('endpoint') ?? '',
        s3PathStyle: url.searchParams.get('path-style') === 'true'
      };
    }
    if (/^azure:\/\//i.test(text)) {
      const url = new URL(text);
      return { ...values, kind: 'azure', azureAccountUrl: url.searchParams.get('account-url') ?? '', azureContainer: url.hostname, azurePrefix: decodeURIComponent(url.pathname).replace(/^\/+/, '') };
    }
    if (/^https?:\/\//i.test(text)) {
      const url = new URL(text);
      const [container = '', ...rest] = decodeURIComponent(url.pathname).split('/').filter((p) => p !== '');
      return { ...values, kind: 'azure', azureAccountUrl: `${url.protocol}//${url.host}`, azureContainer: container, azurePrefix: rest.length ? `${rest.join('/')}/` : '' };
    }
  } catch {
    // not a URL after all: shown as a folder, as it was saved
  }
  return { ...values, kind: 'folder', folder: text };
}

/**
 * The credentials to send: new ones when entered; null to use the service's standard credential chain; undefined to
 * keep what is stored (editing without typing new ones).
 */
export function locationCredentials(location: LocationValues, values: CredentialValues, editing: boolean): LocationCredentialsInput | null | undefined {
  if (location.kind === 's3') {
    if (values.s3AccessKeyId.trim() || values.s3SecretAccessKey.trim()) return { kind: 's3', accessKeyId: values.s3AccessKeyId.trim(), secretAccessKey: values.s3SecretAccessKey.trim() };
    return editing ? undefined : null;
  }
  if (location.kind === 'azure') {
    if (values.azureAuth === 'chain') return null;
    if (values.azureAuth === 'key' && values.azureAccountKey.trim()) return { kind: 'azure-key', accountKey: values.azureAccountKey.trim() };
    if (values.azureAuth === 'sas' && values.azureSasToken.trim()) return { kind: 'azure-sas', token: values.azureSasToken.trim() };
    return editing ? undefined : null;
  }
  return undefined; // a folder needs none (the server forgets any kept for an earlier location)
}

/** What the browser can tell before asking the server. */
export function locationProblems(values: LocationValues, credentials: CredentialValues, editing: boolean, hasStoredCredentials: boolean): Partial<Record<'fileLocation' | 'fileLocationCredentials', string>> {
  const problems: Partial<Record<'fileLocation' | 'fileLocationCredentials', string>> = {};
  if (values.kind === 'folder') {
    // Whether a path is absolute depends on the server's operating system: the server checks that.
    if (values.folder.trim() === '') problems.fileLocation = 'Enter a folder on the OrgKeeper server, e.g. /srv/orgkeeper/myorg.';
  } else if (values.kind === 's3') {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(values.s3Bucket.trim())) problems.fileLocation = 'Enter the bucket name (3 to 63 lowercase letters, digits, dots and hyphens).';
    else if (values.s3Endpoint.trim() && !/^https?:\/\//.test(values.s3Endpoint.trim())) problems.fileLocation = 'The endpoint is a URL, e.g. https://minio.example.org:9000 (leave it empty for AWS).';
    if (Boolean(credentials.s3AccessKeyId.trim()) !== Boolean(credentials.s3SecretAccessKey.trim())) {
      problems.fileLocationCredentials = 'Enter both the access key id and the secret access key, or neither.';
    }
  } else {
    if (!/^https?:\/\/\S+$/.test(values.azureAccountUrl.trim())) problems.fileLocation = 'Enter the storage account URL, e.g. https://myaccount.blob.core.windows.net.';
    else if (!/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(values.azureContainer.trim())) problems.fileLocation = 'Enter the container name (3 to 63 lowercase letters, digits and single hyphens).';
    const missing = credentials.azureAuth === 'key' ? !credentials.azureAccountKey.trim() : credentials.azureAuth === 'sas' ? !credentials.azureSasToken.trim() : false;
    if (missing && !(editing && hasStoredCredentials)) problems.fileLocationCredentials = credentials.azureAuth === 'key' ? 'Enter the storage account key (Access keys in the Azure portal).' : 'Enter the SAS token (Generate SAS in the Azure portal).';
  }
  return problems;
}
