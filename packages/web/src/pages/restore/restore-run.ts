// Steps 3 and 4 of a restore as state: the dry-run plan (kept with the request it was made for, so a plan for other
// choices shows as stale) and the restore operation once it is started.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { operationKeys } from '../../api/operations.api';
import { planRestore, type RestorePlan, type RestoreRequest, startRestore } from '../../api/restore.api';
import { useApiClient } from '../../app/api-context';

export function useRestoreRun(identityId: string, request: RestoreRequest | null) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [plan, setPlan] = useState<{ plan: RestorePlan; request: string } | null>(null);
  const [operationId, setOperationId] = useState<string | null>(null);
  const requestKey = JSON.stringify(request);

  const preview = useMutation({
    mutationFn: () => planRestore(client, identityId, request!),
    onSuccess: (result) => setPlan({ plan: result.plan, request: requestKey })
  });
  const run = useMutation({
    mutationFn: () => startRestore(client, identityId, request!),
    onSuccess: (result) => {
      queryClient.setQueryData(operationKeys.one(result.operationId), result.operation);
      void queryClient.invalidateQueries({ queryKey: operationKeys.all });
      setOperationId(result.operationId);
    }
  });

  return {
    preview,
    run,
    /** The last plan previewed, current or not. */
    plan: plan?.plan ?? null,
    /** The plan was made for exactly the choices now shown: only then can the restore run. */
    planIsCurrent: plan !== null && plan.request === requestKey,
    operationId,
    /** Why the last preview or start failed (with per-field messages for step 2). */
    error: run.error ?? preview.error,
    clearPlan: () => setPlan(null)
  };
}

export type RestoreRun = ReturnType<typeof useRestoreRun>;
