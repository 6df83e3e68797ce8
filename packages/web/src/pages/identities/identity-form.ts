// What the identity form holds and sends: exactly the fields of the identity's kind, checked in the browser where
// that is possible before the server checks everything again (and asks the portal).
import type { AuthMethod, Identity, IdentityInput, IdentityType } from '../../api/identities.api';

export type FormTarget = { mode: 'add'; type: IdentityType } | { mode: 'edit'; identity: Identity };

export interface IdentityFormValues {
  name: string;
  url: string;
  authMethod: AuthMethod;
  appId: string;
  fileLocation: string;
  storeCredentials: boolean;
}

export type IdentityFormField = keyof IdentityFormValues;

/** The fields in the order the form shows them. */
export const FIELD_ORDER: IdentityFormField[] = ['name', 'authMethod', 'url', 'appId', 'fileLocation', 'storeCredentials'];

export const targetType = (target: FormTarget): IdentityType => (target.mode === 'add' ? target.type : target.identity.type);

/** An example of the organization's URL, by kind. */
export const urlExample = (type: IdentityType): string => (type === 'online' ? 'https://myorg.maps.arcgis.com' : 'https://gis.example.com/portal');

export function initialValues(target: FormTarget): IdentityFormValues {
  if (target.mode === 'add') {
    return { name: '', url: '', authMethod: 'oauth2', appId: '', fileLocation: '', storeCredentials: true };
  }
  const { identity } = target;
  return {
    name: identity.name,
    url: identity.url,
    authMethod: identity.authMethod,
    appId: identity.appId ?? '',
    fileLocation: identity.fileLocation,
    storeCredentials: identity.storeCredentials
  };
}

/** Checks the browser can make before asking the server (which checks everything again, and the portal). */
export function validateIdentityForm(values: IdentityFormValues, type: IdentityType): Partial<Record<IdentityFormField, string>> {
  const errors: Partial<Record<IdentityFormField, string>> = {};
  if (values.name.trim() === '') errors.name = 'Enter the organization name backups and scans are filed under.';
  if (values.url.trim() === '') errors.url = `Enter the organization's URL, e.g. ${urlExample(type)}.`;
  if (values.authMethod === 'oauth2' && values.appId.trim() === '') {
    errors.appId = 'Enter the App ID (client ID) of the application registered in this organization.';
  }
  // Whether a path is absolute depends on the server's operating system: the server checks that.
  if (values.fileLocation.trim() === '') errors.fileLocation = 'Enter a folder on the OrgKeeper server, e.g. /srv/orgkeeper/myorg.';
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
    fileLocation: values.fileLocation.trim(),
    ...(oauth2 ? { storeCredentials: values.storeCredentials } : {})
  };
}
