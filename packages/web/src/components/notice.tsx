import type { ReactNode } from 'react';
import { isApiError } from '../api/api-client';
import type { IconName } from '../calcite-types';

export interface NoticeProps {
  kind: 'danger' | 'warning' | 'info' | 'success' | 'brand';
  title: string;
  children?: ReactNode;
  icon?: IconName;
  /** Announce it right away (errors and results of an action); other notices are read in page order. */
  announce?: boolean;
  actions?: ReactNode;
}

const DEFAULT_ICONS: Record<NoticeProps['kind'], IconName> = {
  danger: 'exclamation-mark-triangle',
  warning: 'exclamation-mark-triangle',
  info: 'information',
  success: 'check-circle',
  brand: 'lightbulb'
};

export function Notice({ kind, title, children, icon, announce = false, actions }: NoticeProps) {
  const notice = (
    <calcite-notice open kind={kind} icon={icon ?? DEFAULT_ICONS[kind]} width="full" className="notice">
      <div slot="title">{title}</div>
      {children !== undefined && <div slot="message">{children}</div>}
      {actions !== undefined && <div slot="link">{actions}</div>}
    </calcite-notice>
  );
  return announce ? (
    <div role={kind === 'danger' || kind === 'warning' ? 'alert' : 'status'} className="notice-region">
      {notice}
    </div>
  ) : (
    notice
  );
}

/** Title for an error from the API, by what the user can do about it. */
export function errorTitle(error: unknown): string {
  if (!isApiError(error)) return 'Something went wrong';
  if (error.code === 'network_error') return 'The server cannot be reached';
  if (error.status === 429) return 'Too many attempts';
  if (error.status === 403) return 'Not allowed';
  if (error.status >= 500) return 'The server failed';
  if (error.status === 400 || error.status === 422) return 'Check the highlighted fields';
  return 'The request was refused';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'An unexpected error occurred. Reload the page and try again.';
}

/** An API error as a danger notice: what went wrong and what to do. */
export function ErrorNotice({ error, title, actions }: { error: unknown; title?: string; actions?: ReactNode }) {
  return (
    <Notice kind="danger" title={title ?? errorTitle(error)} announce actions={actions}>
      {errorMessage(error)}
    </Notice>
  );
}
