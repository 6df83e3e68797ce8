// The identity form's state: its values (kept as typed when the server refuses them), the messages per field and the
// server's messages about anything else, and saving (add or edit) with the focus on the first field in error.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { createIdentity, type Identity, type IdentityInput, identitiesQueryKey, updateIdentity } from '../../api/identities.api';
import { useApiClient } from '../../app/api-context';
import { type FieldErrors, useFormState } from '../../components/form-state';
import { FIELD_ORDER, type FormTarget, type IdentityFormField, identityInput, initialValues, targetType, validateIdentityForm } from './identity-form';

export function useIdentityForm(target: FormTarget, onSaved: (identity: Identity, mode: 'add' | 'edit') => void) {
  const apiClient = useApiClient();
  const queryClient = useQueryClient();
  const type = targetType(target);
  const form = useFormState(() => initialValues(target), FIELD_ORDER);
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const authControl = useRef<HTMLCalciteSegmentedControlElement | null>(null);

  const focusFirst = (errors: FieldErrors<IdentityFormField>) => {
    const first = form.firstError(errors);
    if (first === 'authMethod') void authControl.current?.setFocus();
    else if (first) form.focus(first);
  };

  const save = useMutation({
    mutationFn: (input: IdentityInput) =>
      target.mode === 'add' ? createIdentity(apiClient, input) : updateIdentity(apiClient, target.identity.id, input),
    onSuccess: async (identity) => {
      await queryClient.invalidateQueries({ queryKey: identitiesQueryKey });
      onSaved(identity, target.mode);
    },
    onError: (error) => {
      const { fields, others } = form.serverRejected(error);
      setOtherErrors(others);
      focusFirst(fields);
    }
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    const entered = form.entered();
    const errors = validateIdentityForm(entered, type, target);
    form.checked(errors);
    setOtherErrors([]);
    if (Object.keys(errors).length > 0) {
      focusFirst(errors);
      return;
    }
    save.mutate(identityInput(entered, target));
  };

  return { ...form, type, target, authControl, otherErrors, save, submit };
}

export type IdentityFormState = ReturnType<typeof useIdentityForm>;
