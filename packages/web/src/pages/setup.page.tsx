// First run: create OrgKeeper's administrator account (OrgKeeper's own account, not an ArcGIS account).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect } from 'react';
import { isApiError } from '../api/api-client';
import { createFirstAdmin, type Credentials, MIN_PASSWORD_LENGTH } from '../api/auth.api';
import { useApiClient } from '../app/api-context';
import { AuthLayout } from '../app/auth-layout';
import { markSignedIn, queryKeys } from '../app/session';
import { FormField } from '../components/form-field';
import { type FieldErrors, useFormState } from '../components/form-state';
import { ErrorNotice } from '../components/notice';

type Field = 'username' | 'password' | 'confirmPassword';
const FIELD_ORDER: Field[] = ['username', 'password', 'confirmPassword'];

export function validateSetup(values: Record<Field, string>): FieldErrors<Field> {
  const errors: FieldErrors<Field> = {};
  if (values.username.trim() === '') errors.username = 'Enter a username for the administrator.';
  if (values.password === '') errors.password = `Enter a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if ([...values.password].length < MIN_PASSWORD_LENGTH) {
    errors.password = `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (it has ${[...values.password].length}).`;
  }
  if (values.confirmPassword === '') errors.confirmPassword = 'Type the password again.';
  else if (values.password !== values.confirmPassword) {
    errors.confirmPassword = 'The passwords do not match. Type the same password in both fields.';
  }
  return errors;
}

export function SetupPage() {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const form = useFormState<Record<Field, string>>(() => ({ username: '', password: '', confirmPassword: '' }), FIELD_ORDER);

  const setup = useMutation({
    mutationFn: (credentials: Credentials) => createFirstAdmin(apiClient, credentials),
    onSuccess: (session) => markSignedIn(queryClient, session),
    onError: (error) => {
      if (isApiError(error) && error.status === 409) {
        // Someone completed setup meanwhile: the gate moves on to sign-in once the status is fresh.
        void queryClient.invalidateQueries({ queryKey: queryKeys.setupStatus });
        return;
      }
      const first = form.firstError(form.serverRejected(error).fields);
      if (first) form.focus(first);
    }
  });

  // The first field has the focus on arrival.
  useEffect(() => form.focus('username'), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (setup.isPending) return;
    const entered = form.entered();
    const errors = validateSetup(entered);
    form.checked(errors);
    const first = form.firstError(errors);
    if (first) {
      form.focus(first);
      return;
    }
    setup.mutate({ username: entered.username.trim(), password: entered.password });
  };

  const error = setup.error;
  return (
    <AuthLayout
      title="Set up OrgKeeper"
      description="Create the administrator account. You will use it to sign in to OrgKeeper and to manage it."
    >
      <form className="auth-form" onSubmit={submit} noValidate aria-label="Create the administrator account">
        {error !== null && !(isApiError(error) && error.status === 409) && (
          <ErrorNotice
            error={error}
            title={form.hasServerErrors ? 'Check the highlighted fields' : 'The administrator account was not created'}
          />
        )}
        <FormField
          {...form.textField('username')}
          required
          label="Username"
          help="The name you will sign in with: 3 to 64 letters, digits or . _ - @, e.g. gis-admin."
          autoComplete="username"
        />
        <FormField
          {...form.textField('password')}
          required
          type="password"
          label="Password"
          help={`At least ${MIN_PASSWORD_LENGTH} characters; a phrase of several words is easy to remember.`}
          autoComplete="new-password"
        />
        <FormField
          {...form.textField('confirmPassword')}
          required
          type="password"
          label="Confirm password"
          help="Type the password again to rule out typing mistakes."
          autoComplete="new-password"
        />
        <calcite-button type="submit" width="full" loading={setup.isPending} iconStart="user-key">
          {setup.isPending ? 'Creating the administrator…' : 'Create administrator'}
        </calcite-button>
      </form>
    </AuthLayout>
  );
}
