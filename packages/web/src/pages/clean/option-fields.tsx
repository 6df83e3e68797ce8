// Controls generated from option schemas (scan options) and the fix options: every control has a visible label that
// is also its accessible name, one line of help, and an inline error.
import { useId } from 'react';
import { FormField, type FormFieldProps } from '../../components/form-field';
import type { OptionSpec } from '../../api/clean.api';
import type { FormValue } from './option-values';
import { rangeText } from './option-values';

export interface OptionControlProps {
  spec: OptionSpec;
  value: FormValue;
  error: string | undefined;
  disabled?: boolean;
  onChange: (value: FormValue) => void;
}

/** One scan option: a check box, a number, a text or a comma-separated list, by the option's kind. */
export function OptionControl({ spec, value, error, disabled = false, onChange }: OptionControlProps) {
  if (spec.kind === 'boolean') {
    return <CheckField name={spec.name} label={spec.label} help={spec.description} checked={value === true} disabled={disabled} onChange={onChange} />;
  }
  const numeric = spec.kind === 'integer' || spec.kind === 'number';
  const help =
    spec.kind === 'string-list'
      ? `${spec.description} Separate values with commas.`
      : numeric && (spec.min !== undefined || spec.max !== undefined)
        ? `${spec.description} (${rangeText(spec)})`
        : spec.description;
  return (
    <TextField
      name={spec.name}
      label={spec.label}
      help={help}
      value={typeof value === 'string' ? value : ''}
      type={numeric ? 'number' : 'text'}
      required={spec.required === true}
      disabled={disabled}
      error={error}
      onChange={onChange}
      {...(numeric && spec.min !== undefined ? { min: spec.min } : {})}
      {...(numeric && spec.max !== undefined ? { max: spec.max } : {})}
      {...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {})}
    />
  );
}

export type TextFieldProps = Omit<FormFieldProps, 'onValueChange' | 'type'> & {
  type?: 'text' | 'number';
  onChange: (value: string) => void;
};

/** A labelled text or number field (FormField) whose changes arrive as `onChange`. */
export function TextField({ onChange, ...field }: TextFieldProps) {
  return <FormField {...field} onValueChange={onChange} />;
}

export function CheckField({
  name,
  label,
  help,
  checked,
  disabled = false,
  onChange
}: {
  name: string;
  label: string;
  help: string;
  checked: boolean;
  disabled?: boolean;
  onChange: (checked: boolean) => void;
}) {
  const helpId = useId();
  return (
    <div className="form-field clean-check-field" data-field={name}>
      <label className="clean-check">
        <input type="checkbox" name={name} checked={checked} disabled={disabled} aria-describedby={helpId} onChange={(event) => onChange(event.target.checked)} />
        <span>{label}</span>
      </label>
      <div className="form-field-help" id={helpId}>
        {help}
      </div>
    </div>
  );
}
