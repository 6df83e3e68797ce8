/** JSON schemas of the identities API's answers (identity.routes.ts), checked against identity.types.ts. */
import { anyOf, arrayOf, boolean, constant, dateTime, described, nullable, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { IdentityConnectView, IdentityListView, IdentityView, TestReport } from './identity.types.js';

export const identitySchema = object({
  id: string,
  type: stringEnum(['online', 'enterprise']),
  name: string,
  url: string,
  authMethod: stringEnum(['oauth2', 'iwa']),
  appId: nullable(string),
  fileLocation: string,
  fileLocationKind: described('A folder on the server, an S3 prefix or an Azure Blob container prefix.', stringEnum(['folder', 's3', 'azure'])),
  hasFileLocationCredentials: described('Credentials are kept (sealed) for the location; false: the standard credential chain.', boolean),
  encryptBackups: described('The store is (to be) encrypted at rest.', boolean),
  storeCredentials: boolean,
  orgId: nullable(string),
  portalName: nullable(string),
  status: object({
    state: stringEnum(['not_connected', 'connected', 'needs_sign_in', 'error']),
    message: described('Why it needs sign-in, or what failed.', nullable(string)),
    username: described('The signed-in ArcGIS user.', nullable(string)),
    connectedAt: nullable(dateTime),
    tokenExpires: nullable(dateTime),
    refreshTokenExpires: nullable(dateTime),
    hasStoredPassword: boolean
  }),
  createdAt: dateTime,
  updatedAt: dateTime
});

export const identityListSchema = object({
  identities: arrayOf(identitySchema),
  redirectUri: described('The callback URL to register on every App ID.', string)
});

export const identityConnectSchema = described(
  'OAuth2: send the browser to authorizeUrl (the portal\'s sign-in page); IWA: connected at once.',
  anyOf(object({ kind: constant('redirect'), authorizeUrl: string }), object({ kind: constant('connected'), identity: identitySchema }))
);

export const testReportSchema = object({
  ok: boolean,
  checks: arrayOf(
    object({
      id: stringEnum(['portal_reachable', 'kind_matches', 'signed_in', 'administrator', 'recycle_bin', 'token_lifetime', 'file_location']),
      label: string,
      status: stringEnum(['ok', 'warning', 'failed', 'skipped']),
      message: string
    })
  )
});

const agrees: [
  SchemaAgrees<typeof identitySchema, IdentityView>,
  SchemaAgrees<typeof identityListSchema, IdentityListView>,
  SchemaAgrees<typeof identityConnectSchema, IdentityConnectView>,
  SchemaAgrees<typeof testReportSchema, TestReport>
] = [true, true, true, true];
void agrees;
