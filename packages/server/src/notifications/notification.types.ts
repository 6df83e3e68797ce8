import type { Selectable } from 'kysely';

export type TlsMode = 'none' | 'starttls' | 'tls';
export const TLS_MODES: readonly TlsMode[] = ['none', 'starttls', 'tls'];

export interface NotificationSettingsTable {
  id: string;
  enabled: number;
  smtp_host: string;
  smtp_port: number;
  tls_mode: TlsMode;
  smtp_user: string | null;
  /** Sealed (SecretBox, associated data EMAIL_PASSWORD_AD). */
  smtp_password: string | null;
  from_address: string;
  /** JSON array. */
  recipients: string;
  notify_failure: number;
  notify_partial: number;
  notify_success: number;
  /** JSON array of identity ids; null: every identity. */
  identity_ids: string | null;
  updated_by: string;
  updated_at: string;
}

// A type alias (not an interface) so it satisfies Kysely's Record constraint of withTables.
export type NotificationTables = { notification_settings: NotificationSettingsTable };
export type NotificationSettingsRow = Selectable<NotificationSettingsTable>;

/** What the API and CLI send to change the email settings; a field left out keeps its value. */
export interface EmailSettingsInput {
  enabled?: boolean;
  host?: string;
  port?: number;
  tlsMode?: TlsMode;
  /** Empty or null: no authentication. */
  user?: string | null;
  /** Left out: keep the stored password; null or empty: remove it. Never shown again. */
  password?: string | null;
  from?: string;
  recipients?: string[];
  notifyOnFailure?: boolean;
  notifyOnPartial?: boolean;
  notifyOnSuccess?: boolean;
  /** Identities whose operations send email; null: every identity (and operations of none). */
  identityIds?: string[] | null;
}

export interface EmailSettingsView {
  /** False until settings were saved once. */
  configured: boolean;
  enabled: boolean;
  host: string;
  port: number;
  tlsMode: TlsMode;
  user: string | null;
  /** Whether a password is stored (it is never returned). */
  passwordSet: boolean;
  from: string;
  recipients: string[];
  /** Failed and interrupted operations. */
  notifyOnFailure: boolean;
  notifyOnPartial: boolean;
  notifyOnSuccess: boolean;
  /** null: every identity. */
  identityIds: string[] | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

export interface TestEmailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}
