// API tokens: create one (named, with a role and an optional expiry; shown once, with how to use it), list them
// (never the token itself) and revoke them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { type ApiToken, adminKeys, type CreatedApiToken, createToken, listTokens, revokeToken } from '../../api/admin.api';
import { fieldError } from '../../api/api-client';
import { roleLabel } from '../../api/auth.api';
import { useApiClient } from '../../app/api-context';
import { CopyButton } from '../../components/copy-button';
import { DataTable } from '../../components/data-table';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { formatDateTime } from '../../components/units';

const ROLES = ['viewer', 'operator', 'admin'] as const;
type TokenRole = (typeof ROLES)[number];

export function ApiTokensSection() {
  const client = useApiClient();
  const tokens = useQuery({ queryKey: adminKeys.tokens, queryFn: ({ signal }) => listTokens(client, signal) });
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  return (
    <section className="panel admin-section" aria-labelledby="api-tokens-heading">
      <h2 id="api-tokens-heading">API tokens</h2>
      <p className="admin-intro">
        Scripts call OrgKeeper&apos;s REST API with a token: <code>Authorization: Bearer &lt;token&gt;</code>. A token does what
        its role allows, is recorded in the audit log under its name, and works until it expires or is revoked. The{' '}
        <a href="/api/docs/" target="_blank" rel="noopener">
          API reference
        </a>{' '}
        describes every operation.
      </p>
      <CreateTokenForm onCreated={setCreated} />
      {created && <CreatedToken created={created} onDone={() => setCreated(null)} />}
      {tokens.error !== null && <ErrorNotice error={tokens.error} title="The tokens could not be loaded" />}
      {tokens.data ? <TokenTable tokens={tokens.data} /> : tokens.isPending && <calcite-loader label="Loading the API tokens" inline />}
    </section>
  );
}

function CreateTokenForm({ onCreated }: { onCreated: (created: CreatedApiToken) => void }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const roleId = useId();
  const expiresId = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('viewer');
  const [expires, setExpires] = useState('');
  const create = useMutation({
    // A date picked here expires at the end of that day, UTC.
    mutationFn: () => createToken(client, { name: name.trim(), role, expiresAt: expires ? `${expires}T23:59:59Z` : null }),
    onSuccess: (result) => {
      onCreated(result);
      setName('');
      setExpires('');
      void queryClient.invalidateQueries({ queryKey: adminKeys.tokens });
    }
  });
  return (
    <form
      className="form-column admin-form"
      aria-label="Create an API token"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate();
      }}
    >
      <FormField name="name" label="Token name" help="Say what uses it, e.g. nightly-backup-script." value={name} onValueChange={setName} error={fieldError(create.error, 'name')} required />
      <div className="form-row">
        <div className="native-field">
          <label htmlFor={roleId}>Role</label>
          <select id={roleId} value={role} onChange={(event) => setRole(event.target.value as TokenRole)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {roleLabel(value)}
              </option>
            ))}
          </select>
        </div>
        <div className="native-field">
          <label htmlFor={expiresId}>Expires (optional)</label>
          <input id={expiresId} type="date" value={expires} onChange={(event) => setExpires(event.target.value)} aria-describedby={`${expiresId}-help`} />
          <span id={`${expiresId}-help`} className={fieldError(create.error, 'expiresAt') ? 'cell-error' : 'form-field-help'}>
            {fieldError(create.error, 'expiresAt') ?? 'Empty: the token works until it is revoked.'}
          </span>
        </div>
      </div>
      {create.error !== null && !fieldError(create.error, 'name') && !fieldError(create.error, 'expiresAt') && <ErrorNotice error={create.error} title="The token was not created" />}
      <div className="form-actions">
        <calcite-button type="submit" iconStart="key" loading={create.isPending} disabled={create.isPending}>
          Create token
        </calcite-button>
      </div>
    </form>
  );
}

/** The new token, this once, with a copy button and an example request. */
function CreatedToken({ created, onDone }: { created: CreatedApiToken; onDone: () => void }) {
  const example = `curl -H "Authorization: Bearer ${created.token}" ${window.location.origin}/api/operations`;
  return (
    <Notice kind="success" title={`Token "${created.apiToken.name}" created`} announce actions={<calcite-button appearance="transparent" onClick={onDone}>Done</calcite-button>}>
      <p>Copy it now: OrgKeeper keeps only its hash and cannot show it again.</p>
      <div className="token-value-row">
        <code className="token-value" data-testid="new-token">
          {created.token}
        </code>
        <CopyButton text={created.token} label="Copy the token" />
      </div>
      <p className="form-field-help">For example:</p>
      <code className="token-example">{example}</code>
    </Notice>
  );
}

function TokenTable({ tokens }: { tokens: ApiToken[] }) {
  if (tokens.length === 0) return <p className="form-field-help">No API tokens yet.</p>;
  return (
    <DataTable caption="API tokens" columns={['Name', 'Role', 'Token', 'Created', 'Expires', 'Last used']} actions className="api-tokens-table">
      {tokens.map((token) => (
        <TokenRow key={token.id} token={token} />
      ))}
    </DataTable>
  );
}

function TokenRow({ token }: { token: ApiToken }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const revoke = useMutation({
    mutationFn: () => revokeToken(client, token.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: adminKeys.tokens })
  });
  return (
    <tr data-token={token.name}>
      <th scope="row">{token.name}</th>
      <td>{roleLabel(token.role)}</td>
      <td>
        <code>{token.prefix}…</code>
      </td>
      <td>
        {formatDateTime(token.createdAt)} by {token.createdBy}
      </td>
      <td>{token.expiresAt ? `${formatDateTime(token.expiresAt)}${token.expired ? ' (expired)' : ''}` : 'Never'}</td>
      <td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'Never'}</td>
      <td className="admin-actions">
        {confirming ? (
          <span className="confirm-inline" role="group" aria-label={`Revoke ${token.name}?`}>
            <span>Scripts using it stop working.</span>
            <calcite-button kind="danger" scale="s" loading={revoke.isPending} onClick={() => revoke.mutate()} label={`Revoke ${token.name} now`}>
              Revoke now
            </calcite-button>
            <calcite-button appearance="transparent" scale="s" onClick={() => setConfirming(false)}>
              Cancel
            </calcite-button>
          </span>
        ) : (
          <calcite-button appearance="outline" kind="danger" scale="s" onClick={() => setConfirming(true)} label={`Revoke ${token.name}`}>
            Revoke
          </calcite-button>
        )}
        {revoke.error !== null && <ErrorNotice error={revoke.error} title="The token was not revoked" />}
      </td>
    </tr>
  );
}
