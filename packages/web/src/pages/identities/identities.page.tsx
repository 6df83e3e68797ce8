// Manage Identities: the ArcGIS organizations OrgKeeper may act on, in two sections (ArcGIS Online, ArcGIS
// Enterprise), each with its + button, and the outcome of a sign-in when the portal sends the browser back.
import { type Dispatch, type SetStateAction, useEffect, useEffectEvent, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import type { Identity, IdentityList } from '../../api/identities.api';
import { useIdentities } from '../../api/identities.query';
import { useCurrentUser } from '../../app/session';
import { ErrorNotice, Notice } from '../../components/notice';
import { canOperate, isAdmin } from '../../components/roles';
import { PlainText } from '../../components/untrusted-text';
import { LazyDeleteIdentityDialog, LazyIdentityFormDialog } from './identity-dialogs';
import type { FormTarget } from './identity-form';
import { type ConnectReturn, connectReturnNotice, parseConnectReturn } from './identity-format';
import { IdentitySection } from './identity-section';
import { RedirectUriBox } from './redirect-uri';
import './identities.css';

type PageNotice = { kind: 'success' | 'info'; title: string; message: string };

export function IdentitiesPage() {
  const user = useCurrentUser();
  const canManage = isAdmin(user);
  const canTest = canOperate(user);
  const identities = useIdentities();
  const [formTarget, setFormTarget] = useState<FormTarget | null>(null);
  const [deleting, setDeleting] = useState<Identity | null>(null);
  const [notice, setNotice] = useState<PageNotice | null>(null);
  const [connectReturn, setConnectReturn] = useConnectReturn(() => setNotice(null));
  const list = identities.data?.identities ?? [];
  const redirectUri = identities.data?.redirectUri;

  return (
    <div className="page identities-page">
      <header className="page-header">
        <h1>Manage Identities</h1>
        <p>
          An identity is one ArcGIS organization that OrgKeeper may act on. Backups, schedules and scans all start from
          one. Add it, then <b>Connect</b> it by signing in as an administrator of that organization.
        </p>
      </header>

      <ConnectOutcome connectReturn={connectReturn} list={identities.data} onDismiss={() => setConnectReturn(null)} />
      {notice && <PageNoticeView notice={notice} onDismiss={() => setNotice(null)} />}
      {identities.error !== null && <LoadError error={identities.error} onRetry={() => void identities.refetch()} />}

      {(['online', 'enterprise'] as const).map((type) => (
        <IdentitySection
          key={type}
          type={type}
          identities={list.filter((identity) => identity.type === type)}
          loading={identities.isPending}
          redirectUri={redirectUri}
          canManage={canManage}
          canTest={canTest}
          onAdd={() => {
            setNotice(null);
            setFormTarget({ mode: 'add', type });
          }}
          onEdit={(identity) => {
            setNotice(null);
            setFormTarget({ mode: 'edit', identity });
          }}
          onDelete={(identity) => setDeleting(identity)}
          onAction={() => {
            // A new action makes earlier page-level outcomes stale; each card shows its own result.
            setNotice(null);
            setConnectReturn(null);
          }}
        />
      ))}

      <LazyIdentityFormDialog
        target={formTarget}
        redirectUri={redirectUri}
        onClose={() => setFormTarget(null)}
        onSaved={(identity, mode) => {
          setFormTarget(null);
          setConnectReturn(null);
          setNotice(savedNotice(identity, mode));
        }}
      />
      <LazyDeleteIdentityDialog
        identity={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(identity) => {
          setDeleting(null);
          setConnectReturn(null);
          setNotice({ kind: 'success', title: `"${identity.name}" was deleted`, message: `Its backups are still in ${identity.fileLocation}.` });
        }}
      />
    </div>
  );
}

/**
 * The portal's sign-in page sends the browser back to /identities?identity=...&result=...: keeps the outcome and
 * cleans the URL. `onReturn` runs when a new outcome arrives (it replaces older page notices).
 */
function useConnectReturn(onReturn: () => void): [ConnectReturn | null, Dispatch<SetStateAction<ConnectReturn | null>>] {
  const location = useLocation();
  const navigate = useNavigate();
  const [connectReturn, setConnectReturn] = useState<ConnectReturn | null>(() => parseConnectReturn(location.search));
  const returned = useEffectEvent(onReturn);
  useEffect(() => {
    const parsed = parseConnectReturn(location.search);
    if (parsed) {
      setConnectReturn(parsed);
      returned();
      void navigate({ pathname: location.pathname, search: '' }, { replace: true });
    }
  }, [location.search, location.pathname, navigate]);
  return [connectReturn, setConnectReturn];
}

/** The outcome of a sign-in on the portal, once the list can name the identity and the signed-in user. */
function ConnectOutcome({ connectReturn, list, onDismiss }: { connectReturn: ConnectReturn | null; list: IdentityList | undefined; onDismiss: () => void }) {
  if (!connectReturn || !list) return null;
  const returned = list.identities.find((identity) => identity.id === connectReturn.identityId);
  const outcome = connectReturnNotice(connectReturn, returned);
  return (
    <div className="page-notices">
      <Notice kind={outcome.kind} title={outcome.title} announce actions={<DismissButton onClick={onDismiss} />}>
        <PlainText text={outcome.message} />
      </Notice>
      {outcome.showRedirectUri && list.redirectUri && (
        <RedirectUriBox redirectUri={list.redirectUri} type={outcome.identityType ?? 'online'} stepsOpen />
      )}
    </div>
  );
}

function PageNoticeView({ notice, onDismiss }: { notice: PageNotice; onDismiss: () => void }) {
  return (
    <div className="page-notices">
      <Notice kind={notice.kind} title={notice.title} announce actions={<DismissButton onClick={onDismiss} />}>
        {notice.message}
      </Notice>
    </div>
  );
}

function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <div className="page-notices">
      <ErrorNotice
        error={error}
        title="The identities could not be loaded"
        actions={
          <calcite-button appearance="outline" scale="s" iconStart="refresh" onClick={onRetry}>
            Try again
          </calcite-button>
        }
      />
    </div>
  );
}

function savedNotice(identity: Identity, mode: 'add' | 'edit'): PageNotice {
  if (mode === 'edit') {
    return {
      kind: 'success',
      title: `"${identity.name}" was saved`,
      message: identity.status.state === 'connected' ? 'It is still connected.' : 'Press Connect to sign in again.'
    };
  }
  return {
    kind: 'success',
    title: `"${identity.name}" was added`,
    message:
      identity.status.state === 'connected'
        ? 'It is connected and ready.'
        : identity.status.state === 'error'
          ? 'It was saved, but it cannot connect yet: its card says why and what to do.'
          : 'Next: press Connect on it to sign in as an administrator of the organization.'
  };
}

function DismissButton({ onClick }: { onClick: () => void }) {
  return (
    <calcite-button appearance="transparent" kind="neutral" scale="s" iconStart="x" onClick={onClick}>
      Dismiss
    </calcite-button>
  );
}
