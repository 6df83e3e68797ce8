// One identity: what it is, its connection status with token expiries, and its actions (Connect, Test, Edit, Delete)
// with their outcomes.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { isApiError } from '../../api/api-client';
import { connectIdentity, type Identity, identitiesQueryKey, testIdentity, type TestReport } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';
import { errorMessage, Notice } from '../../components/notice';
import { PlainText } from '../../components/untrusted-text';
import { errorTitleFor, formatDateTime, formatExpiry, isPast, SECTION_TITLES, type StatusView, statusView } from './identity-format';
import { TestResults } from './identity-test-results';
import { RedirectUriBox } from './redirect-uri';
import '@esri/calcite-components/components/calcite-icon';

export interface IdentityCardProps {
  identity: Identity;
  redirectUri: string | undefined;
  /** OrgKeeper role of the signed-in user: admins change and connect, operators test, viewers look. */
  canManage: boolean;
  canTest: boolean;
  onEdit: (identity: Identity) => void;
  onDelete: (identity: Identity) => void;
  /** Called when Connect or Test starts. */
  onAction?: () => void;
  /** Sends the browser to the portal's sign-in page (a function so tests of the page are not navigated away). */
  navigate?: (url: string) => void;
}

/** Connect (to the portal's sign-in page for OAuth2, right away for IWA) and Test, with what they answered. */
function useIdentityActions({ identity, onAction, navigate }: Pick<IdentityCardProps, 'identity' | 'onAction' | 'navigate'>) {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const [report, setReport] = useState<TestReport | null>(null);
  const connect = useMutation({
    mutationFn: () => connectIdentity(apiClient, identity.id),
    onMutate: () => onAction?.(),
    onSuccess: async (result) => {
      if (result.kind === 'redirect') {
        (navigate ?? ((url: string) => window.location.assign(url)))(result.authorizeUrl);
        return;
      }
      await queryClient.invalidateQueries({ queryKey: identitiesQueryKey });
    },
    // A refused IWA sign-in changes the identity's status too.
    onError: () => void queryClient.invalidateQueries({ queryKey: identitiesQueryKey })
  });
  const test = useMutation({
    mutationFn: () => testIdentity(apiClient, identity.id),
    onMutate: () => {
      onAction?.();
      setReport(null);
    },
    onSuccess: (result) => setReport(result)
  });
  return { connect, test, report, closeReport: () => setReport(null) };
}

type IdentityActions = ReturnType<typeof useIdentityActions>;

export function IdentityCard({ identity, redirectUri, canManage, canTest, onEdit, onDelete, onAction, navigate }: IdentityCardProps) {
  const headingId = useId();
  const actions = useIdentityActions({ identity, onAction, navigate });
  const { connect } = actions;
  const status = statusView(identity);
  // Only OrgKeeper administrators connect identities: tell others who can.
  if (!canManage && identity.status.state === 'not_connected' && identity.status.message === null) {
    status.detail = 'Not signed in yet: an OrgKeeper administrator connects it by signing in as an administrator of this organization.';
  }
  const connected = identity.status.state === 'connected';
  const redirecting = connect.isSuccess && connect.data.kind === 'redirect';
  // The status detail, unless the connect error shown below says the same.
  const showDetail = status.detail !== null && !(connect.error !== null && errorMessage(connect.error) === status.detail);

  return (
    <article className="identity-card" aria-labelledby={headingId} data-identity={identity.id}>
      <div className="identity-card-header">
        <div className="identity-card-title">
          <calcite-icon icon={identity.type === 'online' ? 'globe' : 'organization'} scale="m" aria-hidden="true" />
          <h3 id={headingId} className="identity-name">
            {identity.name}
          </h3>
        </div>
        <div className={`identity-status identity-status-${status.kind}`} data-testid="identity-status">
          <calcite-icon icon={status.icon} scale="s" aria-hidden="true" />
          <span>{status.label}</span>
        </div>
      </div>
      <IdentityFacts identity={identity} />
      {(connected || showDetail) && <ConnectionState identity={identity} status={status} />}
      {(canManage || canTest) && (
        <div className="identity-actions" role="group" aria-label={`Actions for ${identity.name}`}>
          {canManage && (
            <calcite-button
              kind="brand"
              appearance={connected ? 'outline' : 'solid'}
              scale="s"
              iconStart="sign-in"
              loading={connect.isPending || redirecting}
              onClick={() => connect.mutate()}
            >
              {connected ? 'Reconnect' : 'Connect'}
            </calcite-button>
          )}
          {canTest && (
            <calcite-button appearance="outline" kind="brand" scale="s" iconStart="check-circle" loading={actions.test.isPending} onClick={() => actions.test.mutate()}>
              Test
            </calcite-button>
          )}
          {canManage && (
            <>
              <calcite-button appearance="outline" kind="neutral" scale="s" iconStart="pencil" onClick={() => onEdit(identity)}>
                Edit
              </calcite-button>
              <calcite-button appearance="outline" kind="danger" scale="s" iconStart="trash" onClick={() => onDelete(identity)}>
                Delete
              </calcite-button>
            </>
          )}
        </div>
      )}
      <ActionOutcomes identity={identity} redirectUri={redirectUri} actions={actions} redirecting={redirecting} />
    </article>
  );
}

/** What the identity is: URL, kind and sign-in method, File Location, and what is stored for scheduled work. */
function IdentityFacts({ identity }: { identity: Identity }) {
  const authLabel = identity.authMethod === 'iwa' ? 'IWA (Windows sign-in)' : 'OAuth2';
  return (
    <dl className="identity-facts">
      <div>
        <dt>URL</dt>
        <dd>
          <a href={identity.url} target="_blank" rel="noreferrer noopener">
            {identity.url}
          </a>
          {identity.portalName && (
            <span className="identity-portal-name">
              {' '}
              (<PlainText text={identity.portalName} />)
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>Type</dt>
        <dd>
          {SECTION_TITLES[identity.type]} · {authLabel}
          {identity.appId && (
            <>
              {' '}
              · App ID <code>{identity.appId}</code>
            </>
          )}
        </dd>
      </div>
      <div>
        <dt>File Location</dt>
        <dd>
          <code>{identity.fileLocation}</code>
        </dd>
      </div>
      <div>
        <dt>Credentials</dt>
        <dd>
          {identity.authMethod === 'iwa'
            ? 'None stored: the server signs in as its own Windows account'
            : identity.storeCredentials
              ? 'Stored encrypted for scheduled work'
              : 'Kept in memory only (sign in again after a restart)'}
        </dd>
      </div>
    </dl>
  );
}

/** Connected: when, and when its tokens expire. Otherwise what the status means or what to do. */
function ConnectionState({ identity, status }: { identity: Identity; status: StatusView }) {
  return (
    <div className={`identity-connection identity-connection-${status.kind}`}>
      {identity.status.state === 'connected' ? (
        <dl className="identity-expiries">
          {identity.status.connectedAt && (
            <div>
              <dt>Signed in</dt>
              <dd>{formatDateTime(identity.status.connectedAt)}</dd>
            </div>
          )}
          {identity.authMethod === 'iwa' ? (
            <div>
              <dt>Tokens</dt>
              <dd>Requested with Windows sign-in whenever needed</dd>
            </div>
          ) : (
            <>
              <div>
                <dt>Access token expires</dt>
                <dd className={isPast(identity.status.tokenExpires) ? 'expired' : undefined}>
                  {formatExpiry(identity.status.tokenExpires) || 'Unknown'}
                  {isPast(identity.status.tokenExpires) && ' · renewed automatically when needed'}
                </dd>
              </div>
              <div>
                <dt>Refresh token expires</dt>
                <dd>{formatExpiry(identity.status.refreshTokenExpires) || 'No refresh token'}</dd>
              </div>
            </>
          )}
        </dl>
      ) : (
        <p className="identity-status-detail">
          <PlainText text={status.detail} />
        </p>
      )}
    </div>
  );
}

/** What Connect and Test answered: on the way to the portal, connected with IWA, refused (and why), test results. */
function ActionOutcomes({ identity, redirectUri, actions, redirecting }: { identity: Identity; redirectUri: string | undefined; actions: IdentityActions; redirecting: boolean }) {
  const { connect, test, report } = actions;
  const connectCode = isApiError(connect.error) ? connect.error.code : null;
  return (
    <>
      {redirecting && (
        <p className="identity-inline-status" role="status">
          Opening the sign-in page of {identity.url}…
        </p>
      )}
      {connect.isSuccess && connect.data.kind === 'connected' && (
        <Notice kind="success" title={`Connected as ${connect.data.identity.status.username ?? 'the server account'}`} announce>
          OrgKeeper signed in to {identity.url} with Windows sign-in (IWA).
        </Notice>
      )}
      {connect.error !== null && (
        <div className="identity-inline-notice">
          <Notice kind="danger" title={errorTitleFor(connectCode)} announce>
            <PlainText text={errorMessage(connect.error)} />
          </Notice>
          {connectCode === 'redirect_uri_not_registered' && redirectUri && <RedirectUriBox redirectUri={redirectUri} type={identity.type} stepsOpen />}
        </div>
      )}
      {test.error !== null && (
        <Notice kind="danger" title="The test could not run" announce>
          {errorMessage(test.error)}
        </Notice>
      )}
      {report && <TestResults report={report} name={identity.name} onClose={actions.closeReport} />}
    </>
  );
}
