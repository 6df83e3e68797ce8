/**
 * Email notifications: the SMTP settings (password sealed with the SecretBox), a test email, and a message when an
 * operation ends as the settings ask (failed or interrupted, partial, succeeded). Messages are plain text: titles and
 * messages may carry text from ArcGIS, and plain text cannot run anything in a mail client.
 */
import nodemailer from 'nodemailer';
import { actorName, type Actor, type AuditService } from '../audit/audit.service.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { EMAIL_SETTINGS_ID, NotificationRepository } from './notification.repository.js';
import type { IdentityRepository } from '../identities/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/logger.js';
import type { OperationView } from '../operations/operation.types.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { checkIdentityIds } from './identity-selection.js';
import { operationNotice, wantsOperation } from './operation-notice.js';
import {
  TLS_MODES,
  type EmailSettingsInput,
  type EmailSettingsView,
  type NotificationSettingsRow,
  type TestEmailResult,
  type TlsMode
} from './notification.types.js';

const EMAIL_PASSWORD_AD = 'notification:email:smtp_password';
const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const HOST = /^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/;

export interface NotificationsServiceDeps {
  db: Db;
  secretBox: SecretBox | undefined;
  identities: IdentityRepository;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
  /** OrgKeeper's public URL, for links in messages. */
  publicUrl?: string;
  /** SMTP timeouts in milliseconds (connect, greeting, socket); tests shorten them. */
  timeoutMs?: number;
}

export class NotificationsService {
  private readonly repository: NotificationRepository;
  private publicUrl: string | undefined;

  constructor(private readonly deps: NotificationsServiceDeps) {
    this.repository = new NotificationRepository(deps.db);
    this.publicUrl = deps.publicUrl;
  }

  setPublicUrl(url: string): void {
    this.publicUrl = url;
  }

  async getEmail(): Promise<EmailSettingsView> {
    const row = await this.repository.find();
    if (!row) {
      return {
        configured: false,
        enabled: false,
        host: '',
        port: 587,
        tlsMode: 'starttls',
        user: null,
        passwordSet: false,
        from: '',
        recipients: [],
        notifyOnFailure: true,
        notifyOnPartial: true,
        notifyOnSuccess: false,
        identityIds: null,
        updatedBy: null,
        updatedAt: null
      };
    }
    return view(row);
  }

  async setEmail(input: unknown, actor: Actor): Promise<EmailSettingsView> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw AppError.validation({ body: 'Send the email settings as a JSON object.' });
    const patch = input as EmailSettingsInput & Record<string, unknown>;
    const current = await this.getEmail();
    const existing = await this.repository.find();
    const fields: Record<string, string> = {};
    const known = ['enabled', 'host', 'port', 'tlsMode', 'user', 'password', 'from', 'recipients', 'notifyOnFailure', 'notifyOnPartial', 'notifyOnSuccess', 'identityIds'];
    for (const key of Object.keys(patch)) if (!known.includes(key)) fields[key] = `Unknown setting "${key}".`;

    const host = (patch.host ?? current.host).trim();
    if (host === '') fields.host = 'Give the SMTP server’s host name, e.g. smtp.example.org.';
    else if (!HOST.test(host) || host.length > 253) fields.host = `"${host}" is not a host name or IP address.`;
    const port = patch.port ?? current.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) fields.port = 'The port is a whole number from 1 to 65535 (usually 587 with STARTTLS, 465 with TLS, 25 without).';
    const tlsMode = patch.tlsMode ?? current.tlsMode;
    if (!TLS_MODES.includes(tlsMode)) fields.tlsMode = `The TLS mode is one of ${TLS_MODES.join(', ')}.`;
    const userInput = patch.user === undefined ? current.user : patch.user;
    const user = userInput === null || userInput.trim() === '' ? null : userInput.trim();
    const from = (patch.from ?? current.from).trim();
    if (!EMAIL.test(from)) fields.from = 'Give the sender address, e.g. orgkeeper@example.org.';
    const recipients = [...new Set((patch.recipients ?? current.recipients).map((r) => String(r).trim()).filter((r) => r !== ''))];
    if (recipients.length === 0) fields.recipients = 'Give at least one recipient address.';
    const badRecipient = recipients.find((r) => !EMAIL.test(r));
    if (badRecipient) fields.recipients = `"${badRecipient}" is not an email address.`;
    if (recipients.length > 50) fields.recipients = 'At most 50 recipients; use a mailing list for more.';
    for (const key of ['enabled', 'notifyOnFailure', 'notifyOnPartial', 'notifyOnSuccess'] as const) {
      if (patch[key] !== undefined && typeof patch[key] !== 'boolean') fields[key] = `${key} is true or false.`;
    }
    let password = existing?.smtp_password ?? null;
    if (patch.password !== undefined) {
      if (patch.password === null || patch.password === '') password = null;
      else if (typeof patch.password !== 'string' || patch.password.length > 1000) fields.password = 'The password must be text of at most 1000 characters.';
      else {
        if (!this.deps.secretBox) throw new Error('The SMTP password cannot be stored without the master key.');
        password = this.deps.secretBox.seal(patch.password, EMAIL_PASSWORD_AD);
      }
    }
    const identityIds = patch.identityIds === undefined ? current.identityIds : await checkIdentityIds(this.deps.identities, patch.identityIds, fields);
    if (password !== null && user === null) fields.user = 'A password needs a user name; give both, or neither when the server needs no sign-in.';
    if (Object.keys(fields).length > 0) throw AppError.validation(fields);

    const row: NotificationSettingsRow = {
      id: EMAIL_SETTINGS_ID,
      enabled: (patch.enabled ?? (current.configured ? current.enabled : true)) ? 1 : 0,
      smtp_host: host,
      smtp_port: port,
      tls_mode: tlsMode,
      smtp_user: user,
      smtp_password: password,
      from_address: from,
      recipients: JSON.stringify(recipients),
      notify_failure: (patch.notifyOnFailure ?? current.notifyOnFailure) ? 1 : 0,
      notify_partial: (patch.notifyOnPartial ?? current.notifyOnPartial) ? 1 : 0,
      notify_success: (patch.notifyOnSuccess ?? current.notifyOnSuccess) ? 1 : 0,
      identity_ids: identityIds === null ? null : JSON.stringify(identityIds),
      updated_by: actorName(actor),
      updated_at: this.deps.clock().toISOString()
    };
    await this.repository.save(row);
    const saved = view(row);
    const { passwordSet, ...details } = saved;
    await this.deps.audit.record({
      actor,
      action: 'notifications.email.update',
      target: 'email',
      result: 'success',
      details: { ...details, signInChanged: patch.password !== undefined, signInStored: passwordSet }
    });
    return saved;
  }

  /** Sends a test message with the saved settings (to the recipients, or to `to`); errors say what to fix. */
  async sendTest(actor: Actor, to?: string[]): Promise<TestEmailResult> {
    const row = await this.repository.find();
    if (!row) throw new AppError('conflict', 'Email is not set up yet: save the SMTP settings first, then send a test message.');
    const recipients = to && to.length > 0 ? to : (JSON.parse(row.recipients) as string[]);
    const bad = recipients.find((r) => !EMAIL.test(r));
    if (bad) throw AppError.validation({ to: `"${bad}" is not an email address.` });
    try {
      const result = await this.send(row, recipients, 'OrgKeeper test message', [
        'This is a test message from OrgKeeper.',
        '',
        `It was sent by ${actorName(actor)} at ${this.deps.clock().toISOString()} through ${row.smtp_host}:${row.smtp_port} (${row.tls_mode}).`,
        'If you read this, OrgKeeper can notify you when backups, restores and scans finish.'
      ]);
      await this.deps.audit.record({ actor, action: 'notifications.email.test', target: 'email', result: 'success', details: { recipients, accepted: result.accepted } });
      return result;
    } catch (error) {
      const failure = smtpError(error, row);
      await this.deps.audit.record({ actor, action: 'notifications.email.test', target: 'email', result: 'failure', details: { recipients, error: failure.message } });
      throw failure;
    }
  }

  /**
   * Why email cannot be sent now (for people), or null when it can: settings saved and enabled. What other parts
   * (clean fixes' notify-owners) check before promising to send.
   */
  async emailUnavailable(): Promise<string | null> {
    return unavailableReason(await this.repository.find());
  }

  /**
   * Sends one plain-text message with the saved settings (for other parts: owners' finding lists). Throws an AppError
   * that says what to fix when email is not set up or the server refuses.
   */
  async sendMessage(message: { to: string[]; subject: string; text: string }): Promise<TestEmailResult> {
    const row = await this.repository.find();
    const reason = unavailableReason(row);
    if (reason !== null || !row) throw new AppError('conflict', reason ?? 'Email is not set up.');
    const bad = message.to.find((r) => !EMAIL.test(r));
    if (bad) throw AppError.validation({ to: `"${bad}" is not an email address.` });
    try {
      return await this.send(row, message.to, message.subject, message.text.split('\n'));
    } catch (error) {
      throw smtpError(error, row);
    }
  }

  /** After an operation ends: emails the recipients when the settings ask for this outcome and identity. Never throws. */
  async operationFinished(operation: OperationView): Promise<void> {
    const row = await this.repository.find();
    if (!row || row.enabled !== 1 || !wantsOperation(view(row), operation)) return;
    const identity = operation.identityId ? await this.deps.identities.findById(operation.identityId) : undefined;
    const notice = operationNotice(operation, identity ? { id: identity.id, name: identity.name } : null, this.publicUrl);
    const lines = [`${notice.title}.`, '', notice.message ?? '', '', ...notice.facts.map((f) => `${f.name}: ${f.value}`)];
    if (notice.logUrl) lines.push('', `Details and the per-item log: ${notice.logUrl}`);
    try {
      await this.send(row, JSON.parse(row.recipients) as string[], `[OrgKeeper] ${notice.title}`, lines);
      await this.deps.audit.record({ actor: { kind: 'system', name: 'notifications' }, action: 'notifications.email.send', target: operation.id, result: 'success', details: { status: operation.status } });
    } catch (error) {
      const failure = smtpError(error, row);
      this.deps.logger.warn({ err: error, operationId: operation.id }, 'could not send the notification email');
      await this.deps.audit.record({ actor: { kind: 'system', name: 'notifications' }, action: 'notifications.email.send', target: operation.id, result: 'failure', details: { status: operation.status, error: failure.message } });
    }
  }

  private async send(row: NotificationSettingsRow, to: string[], subject: string, lines: string[]): Promise<TestEmailResult> {
    const timeout = this.deps.timeoutMs ?? 20_000;
    let pass: string | undefined;
    if (row.smtp_password) {
      if (!this.deps.secretBox) throw new Error('The SMTP password cannot be read without the master key.');
      pass = this.deps.secretBox.openString(row.smtp_password, EMAIL_PASSWORD_AD);
    }
    const transport = nodemailer.createTransport({
      host: row.smtp_host,
      port: row.smtp_port,
      secure: row.tls_mode === 'tls',
      requireTLS: row.tls_mode === 'starttls',
      ignoreTLS: row.tls_mode === 'none',
      ...(row.smtp_user ? { auth: { user: row.smtp_user, pass: pass ?? '' } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout
    });
    try {
      const info = await transport.sendMail({ from: row.from_address, to, subject, text: `${lines.join('\n')}\n` });
      return { messageId: info.messageId, accepted: info.accepted.map(String), rejected: info.rejected.map(String) };
    } finally {
      transport.close();
    }
  }
}

/** Why email cannot be sent with these settings (for people), or null when it can. */
function unavailableReason(row: NotificationSettingsRow | undefined): string | null {
  if (!row) return 'No email (SMTP) server is configured: an administrator sets one up under Notifications.';
  if (row.enabled !== 1) return 'Email is turned off in the notification settings: an administrator turns it on under Notifications.';
  return null;
}

/** An SMTP failure as a message that says what to fix. */
function smtpError(error: unknown, row: NotificationSettingsRow): AppError {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${row.smtp_host}:${row.smtp_port}`;
  const detail = e.response ?? e.message ?? String(error);
  const modeHint = (mode: TlsMode) =>
    mode === 'tls' ? ' Port 465 usually uses TLS; 587 and 25 use STARTTLS or none.' : mode === 'starttls' ? ' If the server does not offer STARTTLS, choose TLS (port 465) or none.' : '';
  let message: string;
  switch (e.code) {
    case 'EAUTH':
      message = `The SMTP server ${where} refused the user name or password (${detail}). Check them and save again.`;
      break;
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'ETIMEDOUT':
    case 'EDNS':
      message = `Could not talk to the SMTP server ${where}: ${detail}. Check the host, the port and the TLS mode.${modeHint(row.tls_mode)}`;
      break;
    case 'ETLS':
      message = `The TLS connection to ${where} failed: ${detail}.${modeHint(row.tls_mode)} A self-signed certificate must be trusted by the server (NODE_EXTRA_CA_CERTS).`;
      break;
    case 'EENVELOPE':
      message = `The SMTP server ${where} refused the sender or recipients: ${detail}.`;
      break;
    case 'EMESSAGE':
      message = `The SMTP server ${where} refused the message: ${detail}.`;
      break;
    default:
      message = `Sending through ${where} failed: ${detail}.`;
  }
  return new AppError('bad_request', message, { cause: error });
}

function view(row: NotificationSettingsRow): EmailSettingsView {
  return {
    configured: true,
    enabled: row.enabled === 1,
    host: row.smtp_host,
    port: row.smtp_port,
    tlsMode: row.tls_mode,
    user: row.smtp_user,
    passwordSet: row.smtp_password !== null,
    from: row.from_address,
    recipients: JSON.parse(row.recipients) as string[],
    notifyOnFailure: row.notify_failure === 1,
    notifyOnPartial: row.notify_partial === 1,
    notifyOnSuccess: row.notify_success === 1,
    identityIds: row.identity_ids === null ? null : (JSON.parse(row.identity_ids) as string[]),
    updatedBy: row.updated_by,
    updatedAt: row.updated_at
  };
}
