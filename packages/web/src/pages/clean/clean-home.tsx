// The Clean section's start: choose a scan type, set its options, run it now and follow it (scan-launcher.tsx); scan
// history, to open a scan or compare two of one type (scan-history.tsx); scheduled scans (scan-schedules.tsx); the
// identity's allowlist (allowlist-section.tsx).
import { useEffect, useState } from 'react';
import type { Identity } from '../../api/identities.api';
import { useCurrentUser } from '../../app/session';
import { IdentityPage } from '../../components/identity-page';
import { ErrorNotice } from '../../components/notice';
import { canOperate } from '../../components/roles';
import { Allowlist } from './allowlist-section';
import { ScanHistory } from './scan-history';
import { ScanLauncher } from './scan-launcher';
import { ScanSchedules } from './scan-schedules';
import { useScanTypes } from './scan-types';

export function CleanHome() {
  return (
    <IdentityPage
      className="clean-page"
      title="Clean"
      intro="Scan an organization for clutter and risk, then fix what the scan found in bulk, with a preview first and Undo after."
      pickerHelp="The organization to scan."
    >
      {(identity) => <CleanForIdentity identity={identity} />}
    </IdentityPage>
  );
}

function CleanForIdentity({ identity }: { identity: Identity }) {
  const operator = canOperate(useCurrentUser());
  const types = useScanTypes();
  // The scan started last from this page (or by Run now on a schedule), so its progress is still shown after a reload.
  const [operationId, setOperationId] = useState<string | null>(() => sessionStorage.getItem(`${RUNNING_KEY}.${identity.id}`));
  useEffect(() => {
    if (operationId) sessionStorage.setItem(`${RUNNING_KEY}.${identity.id}`, operationId);
    else sessionStorage.removeItem(`${RUNNING_KEY}.${identity.id}`);
  }, [identity.id, operationId]);
  return (
    <>
      {types.error !== null && <ErrorNotice error={types.error} title="The scan types could not be loaded" />}
      {types.isPending && <calcite-loader label="Loading the scan types" inline />}
      {types.data && <ScanLauncher identity={identity} scanTypes={types.data} operationId={operationId} onStarted={setOperationId} />}
      {types.data && <ScanHistory identity={identity} scanTypes={types.data} />}
      {types.data && <ScanSchedules identityId={identity.id} scanTypes={types.data} operator={operator} onRun={setOperationId} />}
      <Allowlist identity={identity} />
    </>
  );
}

const RUNNING_KEY = 'orgkeeper.clean.running';
