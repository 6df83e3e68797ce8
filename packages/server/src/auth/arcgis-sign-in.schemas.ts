/** JSON schemas of signing in with ArcGIS and of its settings (arcgis-sign-in.routes.ts), checked against the types. */
import { arrayOf, boolean, dateTime, described, nullable, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import type { ArcGISSignInSettingsView, OrgGroupView, SignInMethodsView } from './arcgis-sign-in.types.js';

const role = stringEnum(['admin', 'operator', 'viewer']);

export const roleMappingSchema = described(
  'Who gets in and with which OrgKeeper role: the highest role of every matching rule; nobody else.',
  object({
    adminsRole: described('The role of the organization\'s ArcGIS administrators; null: not let in as such.', nullable(role)),
    users: arrayOf(object({ username: string, role })),
    groups: arrayOf(object({ groupId: string, title: string, role }))
  })
);

export const arcgisSignInSettingsSchema = object({
  enabled: boolean,
  identityId: nullable(string),
  identityName: nullable(string),
  portalUrl: nullable(string),
  appId: nullable(string),
  mapping: roleMappingSchema,
  redirectUri: described('Register this redirect URI on the App ID\'s application.', string),
  updatedBy: nullable(string),
  updatedAt: nullable(dateTime)
});

/** Request body of PUT /api/settings/arcgis-sign-in. */
export const arcgisSignInSettingsBodySchema = {
  type: 'object',
  required: ['enabled', 'mapping'],
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    identityId: { type: ['string', 'null'], maxLength: 64 },
    appId: { type: ['string', 'null'], maxLength: 256 },
    mapping: {
      type: 'object',
      required: ['adminsRole', 'users', 'groups'],
      additionalProperties: false,
      properties: {
        adminsRole: { type: ['string', 'null'], enum: ['admin', 'operator', 'viewer', null] },
        users: {
          type: 'array',
          maxItems: 200,
          items: {
            type: 'object',
            required: ['username', 'role'],
            additionalProperties: false,
            properties: { username: { type: 'string', maxLength: 128 }, role: { type: 'string', enum: ['admin', 'operator', 'viewer'] } }
          }
        },
        groups: {
          type: 'array',
          maxItems: 200,
          items: {
            type: 'object',
            required: ['groupId', 'role'],
            additionalProperties: false,
            properties: {
              groupId: { type: 'string', maxLength: 64 },
              title: { type: 'string', maxLength: 500, default: '' },
              role: { type: 'string', enum: ['admin', 'operator', 'viewer'] }
            }
          }
        }
      }
    }
  }
} as const;

export const signInMethodsSchema = object({
  local: described('OrgKeeper accounts (always).', boolean),
  arcgis: described('Null when signing in with ArcGIS is off.', nullable(object({ organization: string })))
});

export const orgGroupsSchema = object({ groups: arrayOf(object({ id: string, title: string, owner: string })) });

export const arcgisStartSchema = described('Send the browser to authorizeUrl: the portal\'s own sign-in page.', object({ authorizeUrl: string }));

const agrees: [
  SchemaAgrees<typeof arcgisSignInSettingsSchema, ArcGISSignInSettingsView>,
  SchemaAgrees<typeof signInMethodsSchema, SignInMethodsView>,
  SchemaAgrees<typeof orgGroupsSchema, { groups: OrgGroupView[] }>
] = [true, true, true];
void agrees;
