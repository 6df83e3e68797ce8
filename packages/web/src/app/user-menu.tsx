import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { signOut, roleLabel, type SessionUser } from '../api/auth.api';
import { errorMessage } from '../components/notice';
import { isAdmin } from '../components/roles';
import { useApiClient } from './api-context';
import { markSignedOut } from './session';

/** Signs out on the server, then forgets the session here (the gates then show the sign-in page). */
export function useSignOut() {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => signOut(apiClient),
    onSuccess: () => markSignedOut(queryClient, apiClient, 'signed-out')
  });
}

/** The signed-in user in the header's user slot, with the account menu (Administration, API reference, Sign out). */
export function UserMenu({ user, onSignOut }: { user: SessionUser; onSignOut: () => void }) {
  const role = roleLabel(user.role);
  const navigate = useNavigate();
  return (
    <calcite-dropdown slot="user" placement="bottom-end" scale="m" widthScale="m" className="user-menu">
      <calcite-navigation-user
        slot="trigger"
        fullName={user.username}
        username={role}
        label={`Signed in as ${user.username} (${role}). Open the account menu.`}
      />
      <calcite-dropdown-group groupTitle={`Signed in as ${user.username}`} selectionMode="none">
        {isAdmin(user) && (
          <calcite-dropdown-item iconStart="gear" label="Administration" oncalciteDropdownItemSelect={() => navigate('/admin')}>
            Administration
          </calcite-dropdown-item>
        )}
        {/* The OpenAPI reference is served by OrgKeeper itself (Swagger UI), outside the single-page app. */}
        <calcite-dropdown-item iconStart="code" label="API reference" href="/api/docs/" target="_blank" rel="noopener">
          API reference
        </calcite-dropdown-item>
        <calcite-dropdown-item iconStart="sign-out" label="Sign out" oncalciteDropdownItemSelect={onSignOut}>
          Sign out
        </calcite-dropdown-item>
      </calcite-dropdown-group>
    </calcite-dropdown>
  );
}

/** Says that signing out failed, in the shell's alerts slot. */
export function SignOutFailedAlert({ error, onClose }: { error: unknown; onClose: () => void }) {
  return (
    <calcite-alert
      slot="alerts"
      open={error !== null && error !== undefined}
      kind="danger"
      icon="exclamation-mark-triangle"
      label="Sign-out failed"
      placement="top-end"
      oncalciteAlertClose={onClose}
    >
      <div slot="title">Sign-out failed</div>
      <div slot="message">
        {errorMessage(error)} You are still signed in; try again, or close the browser to end the session on this
        computer.
      </div>
    </calcite-alert>
  );
}
