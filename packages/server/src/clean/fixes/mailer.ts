/**
 * What notify-owners needs to send email. The notifications module's SMTP sender is wired in here when it exists
 * (services.ts); until then no mailer is configured and notify-owners previews and fails each finding with that reason.
 */
export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text: titles and descriptions from ArcGIS are untrusted and never put into HTML. */
  text: string;
}

export interface Mailer {
  /** Null when email can be sent now; otherwise why not, for people (e.g. "Email is not set up: ..."). */
  ready(): Promise<string | null>;
  /** Sends one message; throws an error whose message says what went wrong (refused, unreachable...). */
  send(message: MailMessage): Promise<void>;
}
