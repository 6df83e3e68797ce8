// What the identity form holds and sends: exactly the fields of the identity's kind, checked in the browser where
// that is possible before the server checks everything again (and asks the portal).
import type { AuthMethod, Identity, IdentityInput, IdentityType } from '../../api/identities.api';
import {
  type CredentialValues,
  EMPTY_CREDENTIALS,
  EMPTY_LOCATION,
  type LocationValues,
  credentialValuesFor,
  locationCredentials,
  locationProblems,
  locationText,
  parseLocation
} from './store-location';

export type FormTarget = { mode: 'add'; type: IdentityType } | { mode: 'edit'; identity: Identity };

export interface IdentityFormValues {
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId: string;
  /** Where backups are kept: a folder, an S3 prefix or an Azure container prefix (store-location.ts). */
  fileLocation: LocationValues;
  /** How OrgKeeper signs in there (object storage); blank when editing keeps the saved credentials. */
  fileLocationCredentials: CredentialValues;
  encryptBackups: boolean;
  backupPassphrase: string;
  backupPassphraseConfirm: string;
  storeCredentials: boolean;
}

export type IdentityFormField = keyof IdentityFormValues;

/** The fields in the order the form shows them. */
export const FIELD_ORDER: IdentityFormField[] = ['name', 'authMethod', 'url', 'appId', 'fileLocation', 'fileLocationCredentials', 'encryptBackups', 'backupPassphrase', 'backupPassphraseConfirm', 'storeCredentials'];

export const targetType = (target: FormTarget): IdentityType => (target.mode === 'add' ? target.type : target.identity.type);

/** An example of the organization's URL, by kind. */
export const urlExample = (type: IdentityType): string => (type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal');

export function initialValues(target: FormTarget): IdentityFormValues {
  if (target.mode === 'add') {
    return {
      name: '',
      url: '',
      authMethod: 'oauth2',
      appId: '',
      fileLocation: { ...EMPTY_LOCATION },
      fileLocationCredentials: { ...EMPTY_CREDENTIALS },
      encryptBackups: false,
      backupPassphrase: '',
      backupPassphraseConfirm: '',
      storeCredentials: true
    };
  }
  const { identity } = target;
  return {
    name: identity.name,
    url: identity.url,
    authMethod: identity.authMethod,
    appId: identity.appId ?? '',
    fileLocation: parseLocation(identity.fileLocation),
    fileLocationCredentials: credentialValuesFor(identity.fileLocation, identity.hasFileLocationCredentials),
    encryptBackups: identity.encryptBackups,
    backupPassphrase: '',
    backupPassphraseConfirm: '',
    storeCredentials: identity.storeCredentials
  };
}

/** Checks the browser can make before asking the server (which checks everything again, and the portal). */
export function validateIdentityForm(values: IdentityFormValues, type: IdentityType, target?: FormTarget): Partial<Record<IdentityFormField, string>> {
  const errors: Partial<Record<IdentityFormField, string>> = {};
  if (values.name.trim() === '') errors.name = 'Enter the organization name backups and scans are filed under.';
  if (values.url.trim() === '') errors.url = `Enter the organization's URL, e.g. ${urlExample(type)}.`;
  if (values.authMethod === 'oauth2' && values.appId.trim() === '') {
    errors.appId = 'Enter the App ID (client ID) of the application registered in this organization.';
  }
  const editing = target?.mode === 'edit';
  Object.assign(errors, locationProblems(values.fileLocation, values.fileLocationCredentials, editing, editing && target.identity.hasFileLocationCredentials));
  if (values.encryptBackups && values.backupPassphrase !== '' && values.backupPassphrase.length < 8) errors.backupPassphrase = 'Use at least 8 characters.';
  if (values.encryptBackups && values.backupPassphrase !== values.backupPassphraseConfirm) errors.backupPassphraseConfirm = 'The two passphrases differ.';
  return errors;
}

/** What is sent: the type only when adding; the App ID and stored credentials only for OAuth2. */
export function identityInput(values: IdentityFormValues, target: FormTarget): IdentityInput {
  const oauth2 = values.authMethod === 'oauth2';
  return {
    ...(target.mode === 'add' ? { type: target.type } : {}),
    name: values.name.trim(),
    url: values.url.trim(),
    authMethod: values.authMethod,
    ...(oauth2 ? { appId: values.appId.trim() } : {}),
    fileLocation: locationText(values.fileLocation),
    ...credentialsField(locationCredentials(values.fileLocation, values.fileLocationCredentials, target.mode === 'edit')),
    ...(target.mode === 'add' || values.encryptBackups !== target.identity.encryptBackups ? { encryptBackups: values.encryptBackups } : {}),
    ...(values.encryptBackups && values.backupPassphrase !== '' ? { backupPassphrase: values.backupPassphrase } : {}),
    ...(oauth2 ? { storeCredentials: values.storeCredentials } : {})
  };
}

/** The credentials field of the request: new credentials, null (the standard chain), or absent (keep the saved ones). */
function credentialsField(credentials: ReturnType<typeof locationCredentials>): Pick<IdentityInput, 'fileLocationCredentials'> {
  return credentials === undefined ? {} : { fileLocationCredentials: credentials };
}
