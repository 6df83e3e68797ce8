// An operation's or snapshot's status as a word with an icon and a colour (never colour alone).
import type { IconName } from '../calcite-types';
import '@esri/calcite-components/components/calcite-icon';

type Tone = 'success' | 'warning' | 'danger' | 'info' | 'neutral';

const STATUS: Record<string, { label: string; tone: Tone; icon: IconName }> = {
  queued: { label: 'Queued', tone: 'neutral', icon: 'clock' },
  pending: { label: 'Waiting', tone: 'neutral', icon: 'clock' },
  running: { label: 'Running', tone: 'info', icon: 'spinner' },
  sending: { label: 'Sending', tone: 'info', icon: 'spinner' },
  delivered: { label: 'Delivered', tone: 'success', icon: 'check-circle' },
  succeeded: { label: 'Succeeded', tone: 'success', icon: 'check-circle' },
  complete: { label: 'Complete', tone: 'success', icon: 'check-circle' },
  ok: { label: 'OK', tone: 'success', icon: 'check-circle' },
  partial: { label: 'Partial', tone: 'warning', icon: 'exclamation-mark-triangle' },
  skipped: { label: 'Skipped', tone: 'warning', icon: 'minus-circle' },
  failed: { label: 'Failed', tone: 'danger', icon: 'x-circle' },
  cancelled: { label: 'Cancelled', tone: 'neutral', icon: 'x' },
  interrupted: { label: 'Interrupted', tone: 'warning', icon: 'exclamation-mark-circle' },
  // Workers (the Logs page's Workers section): a worker that answers is running, not a task in progress.
  alive: { label: 'Running', tone: 'success', icon: 'check-circle' },
  lost: { label: 'Not answering', tone: 'warning', icon: 'exclamation-mark-circle' },
  stopped: { label: 'Stopped', tone: 'neutral', icon: 'minus-circle' }
};

/** The kind of notice that tells how a finished operation ended. */
export function outcomeKind(status: string): 'success' | 'info' | 'danger' | 'warning' {
  if (status === 'succeeded') return 'success';
  if (status === 'cancelled') return 'info';
  return status === 'failed' ? 'danger' : 'warning';
}

export function statusLabel(status: string): string {
  return STATUS[status]?.label ?? status;
}

export function StatusBadge({ status }: { status: string }) {
  const view = STATUS[status] ?? { label: status, tone: 'neutral' as Tone, icon: 'information' as IconName };
  return (
    <span className={`status-badge status-${view.tone}`} data-status={status}>
      <calcite-icon icon={view.icon} scale="s" aria-hidden="true" />
      {view.label}
    </span>
  );
}
