// The fix panel's state: the action chosen among those that fit the selected findings, its options, the preview of
// exactly what will change, and the confirmations the preview asks for. Any change after a preview makes it stale.
import { useMutation } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { type ApiError, isApiError } from '../../api/api-client';
import { applyFix, type Finding, type FixAction, type FixPreview, type FixRequest, previewFix, type TargetKind } from '../../api/clean.api';
import { useApiClient } from '../../app/api-context';
import { actionsFor, type FixFormValues, type FixOptionName, fixActionInfo, toFixOptions } from './fix-actions';

export interface FixPanelInput {
  identityId: string;
  scanId: string;
  findings: Finding[];
  onApplied: (fixId: string) => void;
}

export function useFixPanel({ identityId, scanId, findings, onApplied }: FixPanelInput) {
  const kinds = useMemo(() => new Set<TargetKind>(findings.map((f) => f.target.kind)), [findings]);
  const actions = actionsFor(kinds);
  const [action, setAction] = useState<FixAction>(actions[0]?.action ?? 'notify-owners');
  const info = fixActionInfo(action) ?? actions[0];
  const [values, setValues] = useState<FixFormValues>({ from: 'everyone' });
  const [errors, setErrors] = useState<Partial<Record<FixOptionName, string>>>({});
  const [preview, setPreview] = useState<FixPreview | null>(null);
  const [confirmNoBackup, setConfirmNoBackup] = useState(false);
  const [confirmDestructive, setConfirmDestructive] = useState(false);

  const { previewing, applying } = useFixRequests(identityId, {
    previewed: (result) => {
      setPreview(result);
      setConfirmNoBackup(false);
      setConfirmDestructive(false);
    },
    rejected: (error) => setErrors(fieldErrors(error.fields)),
    applied: onApplied
  });

  // Anything changed after a preview makes it stale: preview again before applying.
  const changed = () => {
    setPreview(null);
    previewing.reset();
    applying.reset();
  };
  const needsBackupConfirmation = preview !== null && preview.backup.needed && !preview.backup.possible;
  const target = { scanId, findings: findings.map((f) => f.id) };

  return {
    actions,
    info,
    values,
    errors,
    preview,
    previewing,
    applying,
    confirmNoBackup,
    setConfirmNoBackup,
    confirmDestructive,
    setConfirmDestructive,
    needsBackupConfirmation,
    canApply:
      info !== undefined &&
      preview !== null &&
      preview.counts.change > 0 &&
      (!needsBackupConfirmation || confirmNoBackup) &&
      (!info.destructive || confirmDestructive) &&
      !applying.isPending,
    chooseAction: (next: FixAction) => {
      setAction(next);
      setErrors({});
      changed();
    },
    setValue: (name: FixOptionName, value: string | boolean) => {
      setValues((current) => ({ ...current, [name]: value }));
      setErrors(({ [name]: _gone, ...rest }) => rest);
      changed();
    },
    /** Checks the options (showing what is wrong next to each) and asks the server what the fix would change. */
    requestPreview: () => {
      if (!info) return;
      const built = toFixOptions(info, values);
      setErrors(built.errors);
      if (Object.keys(built.errors).length === 0) previewing.mutate({ ...target, action: info.action, options: built.options });
    },
    /** Applies exactly what was previewed: the server refuses if the organization changed since the preview. */
    apply: () => {
      if (!preview) return;
      const confirmed = needsBackupConfirmation && confirmNoBackup ? { confirmNoBackup: true } : {};
      applying.mutate({ ...target, action: preview.action, options: preview.options, previewHash: preview.hash, ...confirmed });
    }
  };
}

export type FixPanelState = ReturnType<typeof useFixPanel>;

/** The two requests of the panel: the preview (what would change) and the fix itself. */
function useFixRequests(
  identityId: string,
  on: { previewed: (preview: FixPreview) => void; rejected: (error: ApiError) => void; applied: (fixId: string) => void }
) {
  const client = useApiClient();
  const previewing = useMutation({
    mutationFn: (body: FixRequest) => previewFix(client, identityId, body),
    onSuccess: on.previewed,
    onError: (error) => {
      if (isApiError(error)) on.rejected(error);
    }
  });
  const applying = useMutation({
    mutationFn: (body: FixRequest) => applyFix(client, identityId, body),
    onSuccess: (started) => on.applied(started.fixId)
  });
  return { previewing, applying };
}

function fieldErrors(fields: Readonly<Record<string, string>>): Partial<Record<FixOptionName, string>> {
  const out: Partial<Record<FixOptionName, string>> = {};
  for (const [field, message] of Object.entries(fields)) {
    const name = (field.startsWith('options.') ? field.slice('options.'.length) : field) as FixOptionName;
    out[name] = message;
  }
  return out;
}
