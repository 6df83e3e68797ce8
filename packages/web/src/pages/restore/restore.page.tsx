// Restore: a wizard in four steps on one page. 1. the snapshot and the items to restore (restore-items.tsx); 2. how:
// in place, recreate deleted items, copy, or clone into another identity with an owner mapping (restore-mode.tsx);
// 3. the dry-run plan; 4. run it and follow its progress (restore-plan.tsx). The plan must be previewed for exactly the
// choices that are run (restore-request.ts).
import { useMemo, useState } from 'react';
import type { Identity } from '../../api/identities.api';
import { useCurrentUser } from '../../app/session';
import { IdentityPicker, useSelectedIdentity } from '../../components/identity-picker';
import { ErrorNotice, Notice } from '../../components/notice';
import { RecycleBinNote } from '../../components/recycle-bin-note';
import { canOperate } from '../../components/roles';
import { RestoreItemsStep } from './restore-items';
import { RestoreModeStep } from './restore-mode';
import { RestorePlanStep } from './restore-plan';
import { initialHow, type RestoreHow, restoreRequest } from './restore-request';
import { useRestoreRun } from './restore-run';
import { useRestoreSource } from './restore-source';
import './restore.css';

export function RestorePage() {
  const selection = useSelectedIdentity();
  const user = useCurrentUser();
  return (
    <div className="page restore-page">
      <header className="page-header">
        <h1>Restore</h1>
        <p>Bring items back from a backup: choose a snapshot and its items, how to restore them, look at the plan, then run it.</p>
      </header>
      <div className="page-toolbar">
        <IdentityPicker selection={selection} help="The organization whose backup is restored." />
      </div>
      {selection.identity && <RecycleBinNote identityId={selection.identity.id} context="restore" />}
      {selection.identity &&
        (canOperate(user) ? (
          <RestoreWizard key={selection.identity.id} identity={selection.identity} identities={selection.identities} />
        ) : (
          <Notice kind="info" title="Viewing only">
            An operator or administrator of OrgKeeper restores items.
          </Notice>
        ))}
    </div>
  );
}

function RestoreWizard({ identity, identities }: { identity: Identity; identities: Identity[] }) {
  const source = useRestoreSource(identity);
  const [how, setHow] = useState<RestoreHow>(() => initialHow(identity, identities));
  const { chosen, snapshotId } = source;
  const owners = useMemo(() => [...new Set(chosen.map((item) => item.owner))].sort(), [chosen]);
  const request = snapshotId ? restoreRequest(snapshotId, chosen.map((item) => item.id), how, owners) : null;
  const restore = useRestoreRun(identity.id, request);

  if (source.snapshots.error) return <ErrorNotice error={source.snapshots.error} title="The backups could not be listed" />;
  if (source.snapshots.isPending) return <calcite-loader label="Loading backups" inline />;
  if (source.list.length === 0) {
    return (
      <Notice kind="info" title={`No backups of "${identity.name}" yet`}>
        Back it up first; a restore starts from a snapshot.
      </Notice>
    );
  }

  return (
    <div className="restore-steps">
      <RestoreItemsStep
        source={source}
        onChooseSnapshot={(id) => {
          source.chooseSnapshot(id);
          restore.clearPlan();
        }}
      />
      <RestoreModeStep
        identity={identity}
        identities={identities}
        how={how}
        onChange={(change) => setHow((current) => ({ ...current, ...(typeof change === 'function' ? change(current) : change) }))}
        owners={owners}
        error={restore.error}
      />
      <RestorePlanStep restore={restore} chosenCount={chosen.length} />
    </div>
  );
}
