/**
 * Where a store is: a folder, an S3 (or S3-compatible) bucket prefix, or an Azure Blob container prefix. Written as
 * one string (what an administrator types, what the CLI takes) or as this object (what an identity keeps, with sealed
 * credentials beside it). A location never carries secrets in its string form: credentials come from the object, or
 * from each service's standard credential chain.
 *
 * - a folder: `/srv/backups/city`, `D:\Backups\City`, `\\nas\backups\city`
 * - S3: `s3://bucket/prefix` with options as query parameters: `endpoint` (an S3-compatible service such as MinIO,
 *   Wasabi, Ceph or a NAS gateway), `region`, `path-style=true` (path-style addressing, for services that need it).
 * - Azure Blob: `https://<account>.blob.core.windows.net/<container>/<prefix>` (any `*.blob.core.*` host), or
 *   `azure://<container>/<prefix>?account-url=<url>` for another endpoint (Azurite, Azure Stack).
 */
import { StoreError } from '../store-error.js';

export type StoreLocation = FolderLocation | S3Location | AzureLocation;

export interface FolderLocation {
  kind: 'folder';
  path: string;
}

export interface S3Location {
  kind: 's3';
  bucket: string;
  /** '' or a prefix ending with '/'. */
  prefix: string;
  /** An S3-compatible service's URL; absent for AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** Absent: the standard AWS credential chain (environment, shared config and credentials files, SSO, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface AzureLocation {
  kind: 'azure';
  /** The storage account's blob endpoint, e.g. `https://myaccount.blob.core.windows.net`. */
  accountUrl: string;
  container: string;
  /** '' or a prefix ending with '/'. */
  prefix: string;
  /**
   * Absent: a shared key or SAS token from the environment (AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN) if set, else the
   * standard Azure credential chain (environment service principal, workload or managed identity, Azure CLI sign-in).
   */
  credentials?: { kind: 'shared-key'; accountName: string; accountKey: string } | { kind: 'sas'; token: string };
}

export type StoreLocationInput = string | StoreLocation;

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AZURE_CONTAINER = /^(?:\$root|[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62})$/;

/** True for strings that name object storage rather than a folder. */
export function isObjectStorageLocation(text: string): boolean {
  return /^(s3|azure):\/\//i.test(text) || /^https?:\/\//i.test(text);
}

export function parseStoreLocation(input: StoreLocationInput): StoreLocation {
  if (typeof input !== 'string') return validateLocation(input);
  const text = input.trim();
  if (text === '') throw invalid('The File Location is empty. Give a folder, an s3://bucket/prefix or an Azure container URL.');
  if (/^s3:\/\//i.test(text)) return parseS3(text);
  if (/^azure:\/\//i.test(text)) return parseAzureScheme(text);
  if (/^https?:\/\//i.test(text)) return parseAzureUrl(text);
  return { kind: 'folder', path: text };
}

/** The string form (no secrets): what messages show and what parses back to the same place. */
export function formatStoreLocation(location: StoreLocation): string {
  switch (location.kind) {
    case 'folder':
      return location.path;
    case 's3': {
      const query = new URLSearchParams();
      if (location.endpoint) query.set('endpoint', location.endpoint);
      if (location.region) query.set('region', location.region);
      if (location.forcePathStyle) query.set('path-style', 'true');
      const q = query.toString();
      return `s3://${location.bucket}/${location.prefix}${q ? `?${q}` : ''}`;
    }
    case 'azure':
      if (isAzurePublicHost(new URL(location.accountUrl).hostname)) return `${location.accountUrl.replace(/\/+$/, '')}/${location.container}/${location.prefix}`;
      return `azure://${location.container}/${location.prefix}?account-url=${encodeURIComponent(location.accountUrl)}`;
  }
}

function parseS3(text: string): S3Location {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${text} is not a valid S3 location. Write it as s3://bucket/prefix.`);
  }
  const bucket = url.hostname.toLowerCase();
  const known = new Set(['endpoint', 'region', 'path-style']);
  for (const key of url.searchParams.keys()) {
    if (!known.has(key)) throw invalid(`Unknown S3 location option "${key}" in ${text}; the options are endpoint, region and path-style.`);
  }
  const pathStyle = url.searchParams.get('path-style');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') throw invalid(`path-style must be true or false in ${text}.`);
  return validateLocation({
    kind: 's3',
    bucket,
    prefix: normalizePrefix(decodeURIComponent(url.pathname)),
    ...(url.searchParams.get('endpoint') ? { endpoint: url.searchParams.get('endpoint')! } : {}),
    ...(url.searchParams.get('region') ? { region: url.searchParams.get('region')! } : {}),
    ...(pathStyle === 'true' ? { forcePathStyle: true } : {})
  });
}

function parseAzureScheme(text: string): AzureLocation {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${text} is not a valid Azure location. Write it as https://<account>.blob.core.windows.net/<container>/<prefix>, or azure://<container>/<prefix>?account-url=<url>.`);
  }
  for (const key of url.searchParams.keys()) {
    if (key !== 'account-url') throw invalid(`Unknown Azure location option "${key}" in ${text}; the option is account-url.`);
  }
  const accountUrl = url.searchParams.get('account-url');
  if (!accountUrl) throw invalid(`${text} needs ?account-url=<the storage account's blob endpoint>, e.g. https://myaccount.blob.core.windows.net.`);
  return validateLocation({ kind: 'azure', accountUrl, container: url.hostname.toLowerCase(), prefix: normalizePrefix(decodeURIComponent(url.pathname)) });
}

function parseAzureUrl(text: string): AzureLocation {
  const url = new URL(text);
  if (url.search || url.hash) {
    throw invalid(`${text} has a query or fragment: a File Location never holds a SAS token or other secret. Enter the SAS token as the location's credential instead.`);
  }
  if (!isAzurePublicHost(url.hostname)) {
    throw invalid(`${text} is not an Azure Blob Storage URL (https://<account>.blob.core.windows.net/<container>/...). For another endpoint write azure://<container>/<prefix>?account-url=<url>.`);
  }
  const [container = '', ...rest] = decodeURIComponent(url.pathname).split('/').filter((part) => part !== '');
  return validateLocation({ kind: 'azure', accountUrl: `${url.protocol}//${url.host}`, container, prefix: normalizePrefix(rest.join('/')) });
}

/** The account name of a blob endpoint: its first host label, or (Azurite, IP-style URLs) the first path segment. */
export function accountNameOf(accountUrl: string): string {
  try {
    const url = new URL(accountUrl);
    if (/\.blob\.core\./i.test(url.hostname)) return url.hostname.split('.')[0]!;
    return url.pathname.split('/').filter((p) => p !== '')[0] ?? '';
  } catch {
    return '';
  }
}

function isAzurePublicHost(host: string): boolean {
  return /^[a-z0-9]{3,24}\.blob\.core\.[a-z0-9.-]+$/i.test(host);
}

function normalizePrefix(path: string): string {
  const parts = path.split('/').filter((part) => part !== '');
  return parts.length === 0 ? '' : `${parts.join('/')}/`;
}

/** Checks a location object (from the database or an API body) as strictly as a parsed string. */
export function validateLocation<L extends StoreLocation>(location: L): L {
  switch (location.kind) {
    case 'folder':
      if (typeof location.path !== 'string' || location.path.trim() === '') throw invalid('The folder of the File Location is empty.');
      return location;
    case 's3':
      if (!S3_BUCKET.test(location.bucket) || location.bucket.includes('..')) {
        throw invalid(`"${location.bucket}" is not a valid S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens).`);
      }
      checkPrefix(location.prefix);
      if (location.endpoint !== undefined) checkHttpUrl(location.endpoint, 'The S3 endpoint');
      if (location.region !== undefined && !/^[a-z0-9-]{1,40}$/.test(location.region)) throw invalid(`"${location.region}" is not an S3 region name (e.g. us-east-1).`);
      return location;
    case 'azure':
      checkHttpUrl(location.accountUrl, 'The Azure account URL');
      if (!AZURE_CONTAINER.test(location.container)) {
        throw invalid(`"${location.container}" is not a valid Azure container name (3 to 63 lowercase letters, digits and single hyphens).`);
      }
      checkPrefix(location.prefix);
      return location;
    default:
      throw invalid(`Unknown kind of File Location: ${JSON.stringify((location as { kind: unknown }).kind)}.`);
  }
}

function checkPrefix(prefix: string): void {
  if (prefix !== '' && (!prefix.endsWith('/') || prefix.split('/').slice(0, -1).some((part) => part === '' || part === '.' || part === '..' || part.includes('\\') || [...part].some((c) => c.charCodeAt(0) < 0x20)))) {
    throw invalid(`"${prefix}" is not a valid prefix: use folder-like names separated by "/", without "." or "..".`);
  }
}

function checkHttpUrl(value: string, what: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${what} "${value}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${what} "${value}" must start with https:// (or http:// for a local test service).`);
  if (url.username || url.password || url.search || url.hash) throw invalid(`${what} "${value}" must not hold credentials, a query or a fragment.`);
}

function invalid(message: string): StoreError {
  return new StoreError('invalid_location', message);
}
