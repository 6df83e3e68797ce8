// The state of a form of labelled fields (sign-in, first-run setup, an identity): values as typed, per field the
// message of the browser's own check or else the server's, and the fields' inputs, to read what a submit by Enter sends
// and to move the focus to the first field in error.
import { useRef, useState } from 'react';
import { isApiError } from '../api/api-client';
import { focusInput } from './form-field';

export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/** The fields of a form that hold text (those shown in a FormField). */
type TextFields<V> = { [K in keyof V & string]: V[K] extends string ? K : never }[keyof V & string];

/**
 * `order` lists the fields in the order they are shown: the first field in error gets the focus, and the server's
 * messages for fields not in it are returned as others by `serverRejected`.
 */
export function useFormState<V extends object>(initial: () => V, order: readonly (keyof V & string)[]) {
  type F = keyof V & string;
  const [values, setValues] = useState<V>(initial);
  const [clientErrors, setClientErrors] = useState<FieldErrors<F>>({});
  // The server's messages, for fields the user has not edited since the last attempt.
  const [serverErrors, setServerErrors] = useState<FieldErrors<F>>({});
  const inputs = useRef<Partial<Record<F, HTMLCalciteInputElement | null>>>({});

  /** A field's new value; its messages go until the next submit. */
  const change =
    <K extends F>(field: K) =>
    (value: V[K]) => {
      setValues((current) => ({ ...current, [field]: value }));
      setClientErrors((current) => ({ ...current, [field]: undefined }));
      setServerErrors((current) => ({ ...current, [field]: undefined }));
    };
  /** The message under a field: the browser's check first, else the server's. */
  const errorFor = (field: F): string | undefined => clientErrors[field] ?? serverErrors[field];

  return {
    values,
    setValues,
    change,
    errorFor,
    /** A text field's props for FormField: its input's ref, name, value, changes and message. */
    textField: <K extends TextFields<V>>(field: K) => ({
      ref: (element: HTMLCalciteInputElement | null) => {
        inputs.current[field] = element;
      },
      name: field,
      value: values[field] as string,
      onValueChange: (value: string) => change(field)(value as V[K]),
      error: errorFor(field)
    }),
    /** The values as the inputs hold them now: Enter can submit before the last keystroke's state update has rendered. */
    entered: (): V => {
      const now = { ...values } as Record<string, unknown>;
      for (const [field, input] of Object.entries<HTMLCalciteInputElement | null | undefined>(inputs.current)) {
        if (input) now[field] = input.value;
      }
      return now as V;
    },
    /** Whether the server's last answer named any field of the form. */
    hasServerErrors: order.some((field) => serverErrors[field]),
    /** Shows the messages of the browser's own check (and drops the server's, which were for an earlier attempt). */
    checked: (errors: FieldErrors<F>) => {
      setClientErrors(errors);
      setServerErrors({});
    },
    /** Shows the server's per-field messages of a refused submit; returns them, and its messages for other fields. */
    serverRejected: (error: unknown): { fields: FieldErrors<F>; others: string[] } => {
      const fields: FieldErrors<F> = {};
      const others: string[] = [];
      if (isApiError(error)) {
        for (const [field, message] of Object.entries(error.fields)) {
          if ((order as readonly string[]).includes(field)) fields[field as F] = message;
          else others.push(message);
        }
      }
      setServerErrors(fields);
      return { fields, others };
    },
    /** The first field with a message, in the form's order. */
    firstError: (errors: FieldErrors<F>): F | undefined => order.find((field) => errors[field]),
    /** Moves the focus into a field's input once it can take it. */
    focus: (field: F) => void focusInput(inputs.current[field])
  };
}
