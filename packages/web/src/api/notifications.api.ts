// Typed calls for the email notification settings (administrators only) and the test message.
import type {
  EmailSettingsInput,
  EmailSettingsView as EmailSettings,
  TestEmailResult
} from '@orgkeeper/server-types/notifications/notification.types';
import type { ApiClient } from './api-client';

// The JSON shapes are the server's own declarations (type-only imports, erased at build). In EmailSettingsInput a field
// left out keeps its value; `password` left out keeps the stored one, null removes it.
export type {
  EmailSettingsInput,
  EmailSettingsView as EmailSettings,
  TestEmailResult,
  TlsMode
} from '@orgkeeper/server-types/notifications/notification.types';

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
