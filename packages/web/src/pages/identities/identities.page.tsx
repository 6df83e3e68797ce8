// Manage Identities: the ArcGIS organizations OrgKeeper may act on, in two sections (ArcGIS Online, ArcGIS
// Enterprise), each with its + button, and the outcome of a sign-in when the portal sends the browser back.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { useApiClient } from '../../app/api-context';
import { useCurrentUser } from '../../app/session';
import { ErrorNotice, Notice } from '../../components/notice';
import { PlainText } from '../../components/untrusted-text';
import { DeleteIdentityDialog } from './delete-identity-dialog';
import { type Identity, identitiesQueryKey, type IdentityType, listIdentities } from '../../api/identities.api';
import { IdentityCard } from './identity-card';
import { type FormTarget, IdentityFormDialog } from './identity-form-dialog';
import { type ConnectReturn, connectReturnNotice, parseConnectReturn, SECTION_TITLES } from './identity-format';
import { RedirectUriBox } from './redirect-uri';
import './identities.css';

const SECTION_TEXT: Record<IdentityType, { description: string; empty: string }> = {
  online: {
    description: 'Organizations on ArcGIS Online (https://<org>.maps.arcgis.com), signed in with OAuth 2.0.',
    empty:
      'No ArcGIS Online organization yet. An identity is one organization OrgKeeper may back up, restore and clean: ' +
      'its URL, the App ID OrgKeeper signs in with, and the folder on this server where its backups go. ' +
      'Press + to add one.'
  },
  enterprise: {
    description: 'ArcGIS Enterprise portals (https://<host>/portal), signed in with IWA (Windows) or OAuth 2.0.',
    empty:
      'No ArcGIS Enterprise portal yet. An identity is one portal OrgKeeper may back up, restore and clean: its URL, ' +
      'how OrgKeeper signs in (IWA or OAuth 2.0), and the folder on this server where its backups go. Press + to add one.'
  }
};

type PageNotice = { kind: 'success' | 'info'; title: string; message: string };

export function IdentitiesPage() {
  const apiClient = useApiClient();
  const user = useCurrentUser();
  const location = useLocation();
  const navigate = useNavigate();
  const role = user.role.toLowerCase();
  const canManage = role === 'admin' || role === 'administrator';
  const canTest = canManage || role === 'operator';

  const identities = useQuery({
    queryKey: identitiesQueryKey,
    queryFn: ({ signal }) => listIdentities(apiClient, signal)
  });

  const [formTarget, setFormTarget] = useState<FormTarget | null>(null);
  const [deleting, setDeleting] = useState<Identity | null>(null);
  const [notice, setNotice] = useState<PageNotice | null>(null);
  // The portal's sign-in page sends the browser back to /identities?identity=...&result=...: keep the outcome, clean the URL.
  const [connectReturn, setConnectReturn] = useState<ConnectReturn | null>(() => parseConnectReturn(location.search));
  useEffect(() => {
    const parsed = parseConnectReturn(location.search);
    if (parsed) {
      setConnectReturn(parsed);
      setNotice(null);
      void navigate({ pathname: location.pathname, search: '' }, { replace: true });
    }
  }, [location.search, location.pathname, navigate]);

  const list = identities.data?.identities ?? [];
  const redirectUri = identities.data?.redirectUri;
  const returned = connectReturn ? list.find((identity) => identity.id === connectReturn.identityId) : undefined;
  // Wait for the list so the notice can name the identity and the signed-in user.
  const outcome = connectReturn && identities.data ? connectReturnNotice(connectReturn, returned) : null;

  return (
    <div className="page identities-page">
      <header className="page-header">
        <h1>Manage Identities</h1>
        <p>
          An identity is one ArcGIS organization that OrgKeeper may act on. Backups, schedules and scans all start from
          one. Add it, then <b>Connect</b> it by signing in as an administrator of that organization.
        </p>
      </header>

      {outcome && (
        <div className="page-notices">
          <Notice kind={outcome.kind} title={outcome.title} announce actions={<DismissButton onClick={() => setConnectReturn(null)} />}>
            <PlainText text={outcome.message} />
          </Notice>
          {outcome.showRedirectUri && redirectUri && (
            <RedirectUriBox redirectUri={redirectUri} type={outcome.identityType ?? 'online'} stepsOpen />
          )}
        </div>
      )}
      {notice && (
        <div className="page-notices">
          <Notice kind={notice.kind} title={notice.title} announce actions={<DismissButton onClick={() => setNotice(null)} />}>
            {notice.message}
          </Notice>
        </div>
      )}
      {identities.error !== null && (
        <div className="page-notices">
          <ErrorNotice
            error={identities.error}
            title="The identities could not be loaded"
            actions={
              <calcite-button appearance="outline" scale="s" iconStart="refresh" onClick={() => void identities.refetch()}>
                Try again
              </calcite-button>
            }
          />
        </div>
      )}

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

      <IdentityFormDialog
        target={formTarget}
        redirectUri={redirectUri}
        onClose={() => setFormTarget(null)}
        onSaved={(identity, mode) => {
          setFormTarget(null);
          setConnectReturn(null);
          setNotice(
            mode === 'add'
              ? {
                  kind: 'success',
                  title: `"${identity.name}" was added`,
                  message:
                    identity.status.state === 'connected'
                      ? 'It is connected and ready.'
                      : identity.status.state === 'error'
                        ? 'It was saved, but it cannot connect yet: its card says why and what to do.'
                        : 'Next: press Connect on it to sign in as an administrator of the organization.'
                }
              : { kind: 'success', title: `"${identity.name}" was saved`, message: identity.status.state === 'connected' ? 'It is still connected.' : 'Press Connect to sign in again.' }
          );
        }}
      />
      <DeleteIdentityDialog
        identity={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(identity) => {
          setDeleting(null);
          setConnectReturn(null);
          setNotice({
            kind: 'success',
            title: `"${identity.name}" was deleted`,
            message: `Its backups are still in ${identity.fileLocation}.`
          });
        }}
      />
    </div>
  );
}

function DismissButton({ onClick }: { onClick: () => void }) {
  return (
    <calcite-button appearance="transparent" kind="neutral" scale="s" iconStart="x" onClick={onClick}>
      Dismiss
    </calcite-button>
  );
}

interface IdentitySectionProps {
  type: IdentityType;
  identities: Identity[];
  loading: boolean;
  redirectUri: string | undefined;
  canManage: boolean;
  canTest: boolean;
  onAdd: () => void;
  onEdit: (identity: Identity) => void;
  onDelete: (identity: Identity) => void;
  onAction: () => void;
}

function IdentitySection({ type, identities, loading, redirectUri, canManage, canTest, onAdd, onEdit, onDelete, onAction }: IdentitySectionProps) {
  const headingId = useId();
  const title = SECTION_TITLES[type];
  const text = SECTION_TEXT[type];
  return (
    <section className="identity-section" aria-labelledby={headingId} data-section={type}>
      <div className="identity-section-header">
        <div>
          <h2 id={headingId}>{title}</h2>
          <p className="identity-section-description">{text.description}</p>
        </div>
        {canManage && (
          <calcite-fab
            appearance="solid"
            kind="brand"
            icon="plus"
            label={`Add ${title} identity`}
            text={`Add ${title} identity`}
            scale="m"
            onClick={onAdd}
          />
        )}
      </div>
      {loading ? (
        <div className="identity-section-loading">
          <calcite-loader label={`Loading ${title} identities`} inline />
          <span>Loading…</span>
        </div>
      ) : identities.length === 0 ? (
        <div className="identity-empty">
          <calcite-icon icon={type === 'online' ? 'globe' : 'organization'} scale="l" aria-hidden="true" />
          <p>{canManage ? text.empty : text.empty.replace(/ Press \+ to add one\.$/, ' An administrator of OrgKeeper can add one.')}</p>
        </div>
      ) : (
        <div className="identity-list">
          {identities.map((identity) => (
            <IdentityCard
              key={identity.id}
              identity={identity}
              redirectUri={redirectUri}
              canManage={canManage}
              canTest={canTest}
              onEdit={onEdit}
              onDelete={onDelete}
              onAction={onAction}
            />
          ))}
        </div>
      )}
    </section>
  );
}
