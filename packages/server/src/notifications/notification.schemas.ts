/** JSON schemas of the notification settings API (notifications.routes.ts), checked against notification.types.ts. */
import { arrayOf, boolean, dateTime, described, integer, nullable, object, string, stringEnum, type SchemaAgrees } from '../http/schema-kit.js';
import { TLS_MODES, type EmailSettingsView, type TestEmailResult } from './notification.types.js';

export const emailSettingsSchema = object({
  configured: described('False until settings were saved once.', boolean),
  enabled: boolean,
  host: string,
  port: integer,
  tlsMode: stringEnum(TLS_MODES),
  user: nullable(string),
  passwordSet: described('Whether a password is stored (it is never returned).', boolean),
  from: string,
  recipients: arrayOf(string),
  notifyOnFailure: described('Failed and interrupted operations.', boolean),
  notifyOnPartial: boolean,
  notifyOnSuccess: boolean,
  identityIds: described('Only operations of these identities; null: every identity.', nullable(arrayOf(string))),
  updatedBy: nullable(string),
  updatedAt: nullable(dateTime)
});

export const testEmailResultSchema = object({ messageId: string, accepted: arrayOf(string), rejected: arrayOf(string) });

/** The test route's optional body (checked again by the route, with its own messages). */
export const testEmailBodySchema = described(
  'Nothing (the saved recipients), or other recipients.',
  object({ to: arrayOf(string) }, ['to'])
);

const agrees: [SchemaAgrees<typeof emailSettingsSchema, EmailSettingsView>, SchemaAgrees<typeof testEmailResultSchema, TestEmailResult>] = [true, true];
void agrees;
