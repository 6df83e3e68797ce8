// Signing in with ArcGIS: which identity's organization, which App ID (and the redirect URI to register on it), and who
// gets which OrgKeeper role: the organization's administrators, named ArcGIS users, members of named ArcGIS groups.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import {
  adminKeys,
  type ArcGISSignInSettings,
  getArcGISSignIn,
  type GroupRule,
  type OrgGroup,
  saveArcGISSignIn,
  searchGroups,
  type UserRule
} from '../../api/admin.api';
import { isApiError } from '../../api/api-client';
import { roleLabel } from '../../api/auth.api';
import type { Identity } from '../../api/identities.api';
import { useIdentities } from '../../api/identities.query';
import { useApiClient } from '../../app/api-context';
import { CopyButton } from '../../components/copy-button';
import { FormField } from '../../components/form-field';
import { ErrorNotice, Notice } from '../../components/notice';
import { PlainText } from '../../components/untrusted-text';
import { formatDateTime } from '../../components/units';

type Role = UserRule['role'];
const ROLES: Role[] = ['admin', 'operator', 'viewer'];

export function ArcGISSignInSection() {
  const client = useApiClient();
  const settings = useQuery({ queryKey: adminKeys.arcgisSignIn, queryFn: ({ signal }) => getArcGISSignIn(client, signal) });
  return (
    <section className="panel admin-section" aria-labelledby="arcgis-sign-in-heading">
      <h2 id="arcgis-sign-in-heading">Sign in with ArcGIS</h2>
      <p className="admin-intro">
        People can sign in to OrgKeeper with their ArcGIS account of one organization, on its own sign-in page (SAML and
        multi-factor authentication work as usual). Only the people you map below get in, with the role you give them; it
        is checked again every few minutes while they work. OrgKeeper accounts keep working, so a portal that is down
        never locks you out.
      </p>
      {settings.error !== null && <ErrorNotice error={settings.error} title="The settings could not be loaded" />}
      {settings.data ? <SignInForm settings={settings.data} /> : settings.isPending && <calcite-loader label="Loading the settings" inline />}
    </section>
  );
}

function SignInForm({ settings }: { settings: ArcGISSignInSettings }) {
  const client = useApiClient();
  const queryClient = useQueryClient();
  const identities = useIdentities();
  const [enabled, setEnabled] = useState(settings.enabled);
  const [identityId, setIdentityId] = useState(settings.identityId ?? '');
  const [appId, setAppId] = useState(settings.appId ?? '');
  const [adminsRole, setAdminsRole] = useState<Role | ''>(settings.mapping.adminsRole ?? '');
  const [users, setUsers] = useState<UserRule[]>(settings.mapping.users);
  const [groups, setGroups] = useState<GroupRule[]>(settings.mapping.groups);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () =>
      saveArcGISSignIn(client, {
        enabled,
        identityId: identityId || null,
        appId: appId.trim() || null,
        mapping: { adminsRole: adminsRole || null, users, groups }
      }),
    onMutate: () => setSaved(false),
    onSuccess: (result) => {
      setSaved(true);
      setAppId(result.appId ?? '');
      queryClient.setQueryData(adminKeys.arcgisSignIn, result);
    }
  });
  const fields = isApiError(save.error) ? save.error.fields : {};
  const list = identities.data?.identities ?? [];
  const chosen = list.find((identity) => identity.id === identityId) ?? null;

  return (
    <form
      className="form-column admin-form"
      aria-label="Sign in with ArcGIS"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate();
      }}
    >
      <label className="inline-check">
        <input type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        Let people sign in with their ArcGIS account
      </label>
      <IdentitySelect identities={list} value={identityId} onChange={setIdentityId} error={fields.identityId} />
      <FormField
        name="appId"
        label="App ID"
        help={`The client ID of an application registered in that organization. Empty: the identity's App ID${chosen?.appId ? ` (${chosen.appId})` : ''}.`}
        value={appId}
        onValueChange={setAppId}
        error={fields.appId}
      />
      <RedirectUriToRegister uri={settings.redirectUri} />

      <fieldset className="mapping" aria-describedby="mapping-help">
        <legend>Who gets in</legend>
        <p id="mapping-help" className={fields.mapping ? 'cell-error' : 'form-field-help'}>
          {fields.mapping ?? 'A person who matches several rules gets the highest of their roles; nobody else gets in.'}
        </p>
        <RoleSelect label="The organization's ArcGIS administrators" value={adminsRole} onChange={setAdminsRole} allowNone />
        <UserRules users={users} onChange={setUsers} error={fields['mapping.users']} />
        <GroupRules groups={groups} onChange={setGroups} identityId={identityId} error={fields['mapping.groups']} />
      </fieldset>

      <SaveOutcome error={save.error} fields={fields} saved={saved} settings={settings} />
      <div className="form-actions">
        <calcite-button type="submit" loading={save.isPending} disabled={save.isPending}>
          Save
        </calcite-button>
      </div>
    </form>
  );
}

/** The identity whose organization's accounts may sign in. */
function IdentitySelect({ identities, value, onChange, error }: { identities: readonly Identity[]; value: string; onChange: (id: string) => void; error: string | undefined }) {
  const identityFieldId = useId();
  return (
    <div className="native-field">
      <label htmlFor={identityFieldId}>Organization (identity)</label>
      <select id={identityFieldId} value={value} onChange={(event) => onChange(event.target.value)} aria-describedby={`${identityFieldId}-help`}>
        <option value="">Choose an identity</option>
        {identities.map((identity) => (
          <option key={identity.id} value={identity.id}>
            {identity.name} ({identity.url})
          </option>
        ))}
      </select>
      <span id={`${identityFieldId}-help`} className={error ? 'cell-error' : 'form-field-help'}>
        {error ?? 'People sign in with an account of this identity\'s organization; accounts of other organizations are refused.'}
      </span>
    </div>
  );
}

/** The redirect URI the administrator registers on the App ID, with a Copy button. */
function RedirectUriToRegister({ uri }: { uri: string }) {
  return (
    <div className="admin-redirect" role="group" aria-label="Redirect URI to register on the App ID">
      <div className="admin-redirect-label">Redirect URI to register on the App ID</div>
      <div className="admin-redirect-row">
        <code className="admin-redirect-value" data-testid="arcgis-redirect-uri">
          {uri}
        </code>
        <CopyButton text={uri} label="Copy the redirect URI" />
      </div>
      <p className="form-field-help">
        Add it to the application&apos;s redirect URLs in the portal (Settings, or Registered Info &gt; Update), beside
        OrgKeeper&apos;s identity callback if it is the same application.
      </p>
    </div>
  );
}

/** What came of pressing Save: which settings to fix, another error, or saved. */
function SaveOutcome({ error, fields, saved, settings }: { error: Error | null; fields: Readonly<Record<string, string>>; saved: boolean; settings: ArcGISSignInSettings }) {
  return (
    <>
      {fields.enabled && (
        <Notice kind="danger" title="Not turned on">
          {fields.enabled}
        </Notice>
      )}
      {error !== null && Object.keys(fields).length === 0 && <ErrorNotice error={error} title="The settings were not saved" />}
      {error !== null && Object.keys(fields).length > 0 && (
        <Notice kind="danger" title="Check the highlighted settings" announce>
          {error.message}
        </Notice>
      )}
      {saved && (
        <Notice kind="success" title="Saved" announce>
          {settings.enabled ? 'People can sign in with their ArcGIS account.' : 'Signing in with ArcGIS is off.'}{' '}
          {settings.updatedAt ? `Saved ${formatDateTime(settings.updatedAt)}.` : ''}
        </Notice>
      )}
    </>
  );
}

function RoleSelect({ label, value, onChange, allowNone = false }: { label: string; value: Role | ''; onChange: (role: Role | '') => void; allowNone?: boolean }) {
  const id = useId();
  return (
    <div className="native-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value as Role | '')}>
        {allowNone && <option value="">Not let in</option>}
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {roleLabel(role)}
          </option>
        ))}
      </select>
    </div>
  );
}

function UserRules({ users, onChange, error }: { users: UserRule[]; onChange: (users: UserRule[]) => void; error: string | undefined }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role | ''>('viewer');
  const add = () => {
    const name = username.trim();
    if (!name || !role) return;
    onChange([...users.filter((u) => u.username.toLowerCase() !== name.toLowerCase()), { username: name, role }]);
    setUsername('');
  };
  return (
    <div className="rule-list" role="group" aria-label="Named ArcGIS users">
      <h3>Named ArcGIS users</h3>
      {users.length > 0 && (
        <ul>
          {users.map((rule) => (
            <li key={rule.username}>
              <span className="rule-name">{rule.username}</span>
              <span className="rule-role">{roleLabel(rule.role)}</span>
              <calcite-button appearance="transparent" scale="s" iconStart="x" label={`Remove ${rule.username}`} onClick={() => onChange(users.filter((u) => u !== rule))}>
                Remove
              </calcite-button>
            </li>
          ))}
        </ul>
      )}
      <div className="form-row">
        <FormField name="username" label="ArcGIS username" help="As the person signs in to ArcGIS." value={username} onValueChange={setUsername} error={error} />
        <RoleSelect label="Role" value={role} onChange={setRole} />
        <calcite-button appearance="outline" iconStart="plus" onClick={add} disabled={!username.trim()}>
          Add user
        </calcite-button>
      </div>
    </div>
  );
}

function GroupRules({ groups, onChange, identityId, error }: { groups: GroupRule[]; onChange: (groups: GroupRule[]) => void; identityId: string; error: string | undefined }) {
  const client = useApiClient();
  const [text, setText] = useState('');
  const [role, setRole] = useState<Role | ''>('operator');
  const found = useMutation({ mutationFn: () => searchGroups(client, identityId, text.trim()) });
  const add = (group: OrgGroup) => {
    if (!role) return;
    onChange([...groups.filter((g) => g.groupId !== group.id), { groupId: group.id, title: group.title, role }]);
  };
  return (
    <div className="rule-list" role="group" aria-label="Members of ArcGIS groups">
      <h3>Members of ArcGIS groups</h3>
      {error && <p className="cell-error">{error}</p>}
      {groups.length > 0 && (
        <ul>
          {groups.map((rule) => (
            <li key={rule.groupId}>
              <span className="rule-name">
                <PlainText text={rule.title || rule.groupId} />
              </span>
              <span className="rule-role">{roleLabel(rule.role)}</span>
              <calcite-button appearance="transparent" scale="s" iconStart="x" label={`Remove ${rule.title || rule.groupId}`} onClick={() => onChange(groups.filter((g) => g !== rule))}>
                Remove
              </calcite-button>
            </li>
          ))}
        </ul>
      )}
      <div className="form-row">
        <FormField name="groupSearch" label="Find a group" help="Part of the group's title (empty: all groups)." value={text} onValueChange={setText} />
        <RoleSelect label="Role for its members" value={role} onChange={setRole} />
        <calcite-button appearance="outline" iconStart="search" onClick={() => found.mutate()} disabled={!identityId || found.isPending} loading={found.isPending}>
          Find groups
        </calcite-button>
      </div>
      {!identityId && <p className="form-field-help">Choose the identity first: its groups are listed through its connection.</p>}
      {found.error !== null && <ErrorNotice error={found.error} title="The groups could not be listed" />}
      {found.data && found.data.length === 0 && <p className="form-field-help">No group of the organization has that in its title.</p>}
      {found.data && found.data.length > 0 && (
        <ul className="group-results" aria-label="Groups found">
          {found.data.map((group) => (
            <li key={group.id}>
              <span className="rule-name">
                <PlainText text={group.title} />
              </span>
              <span className="rule-owner">owned by {group.owner}</span>
              <calcite-button appearance="outline" scale="s" iconStart="plus" label={`Add ${group.title}`} onClick={() => add(group)}>
                Add
              </calcite-button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
