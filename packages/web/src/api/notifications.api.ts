// Typed calls for the email notification settings (administrators only) and the test message.
import type { ApiClient } from './api-client';

export type TlsMode = 'none' | 'starttls' | 'tls';

export interface EmailSettings {
  configured: boolean;
  enabled: boolean;
  host: string;
  port: number;
  tlsMode: TlsMode;
  user: string | null;
  /** Whether a password is stored; it is never sent back. */
  passwordSet: boolean;
  from: string;
  recipients: string[];
  notifyOnFailure: boolean;
  notifyOnPartial: boolean;
  notifyOnSuccess: boolean;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** A field left out keeps its value; `password` left out keeps the stored one, null removes it. */
export interface EmailSettingsInput {
  enabled?: boolean;
  host?: string;
  port?: number;
  tlsMode?: TlsMode;
  user?: string | null;
  password?: string | null;
  from?: string;
  recipients?: string[];
  notifyOnFailure?: boolean;
  notifyOnPartial?: boolean;
  notifyOnSuccess?: boolean;
}

export interface TestEmailResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

const PATH = '/api/settings/notifications/email';

export function getEmailSettings(client: ApiClient, signal?: AbortSignal): Promise<EmailSettings> {
  return client.get(PATH, { signal });
}

export function saveEmailSettings(client: ApiClient, input: EmailSettingsInput): Promise<EmailSettings> {
  return client.put(PATH, input);
}

export function sendTestEmail(client: ApiClient): Promise<TestEmailResult> {
  return client.post(`${PATH}/test`);
}

export const notificationKeys = { email: ['settings', 'notifications', 'email'] as const };
