// Controls generated from option schemas (scan options) and the fix options: every control has a visible label that
// is also its accessible name, one line of help, and an inline error.
import { useId } from 'react';
import type { OptionSpec } from '../../api/clean.api';
import type { FormValue } from './option-values';
import { rangeText } from './option-values';
import '@esri/calcite-components/components/calcite-input';

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

export interface TextFieldProps {
  name: string;
  label: string;
  help: string;
  value: string;
  type?: 'text' | 'number';
  required?: boolean;
  disabled?: boolean;
  error?: string | undefined;
  min?: number;
  max?: number;
  maxLength?: number;
  onChange: (value: string) => void;
}

export function TextField({ name, label, help, value, type = 'text', required = false, disabled = false, error, min, max, maxLength, onChange }: TextFieldProps) {
  const invalid = error !== undefined && error !== '';
  return (
    <div className="form-field" data-field={name}>
      <calcite-input
        name={name}
        type={type}
        labelText={label}
        // labelText only draws the label; `label` gives the inner input its accessible name (Calcite 5.0).
        label={label}
        value={value}
        required={required}
        disabled={disabled}
        status={invalid ? 'invalid' : 'idle'}
        validationMessage={invalid ? error : ''}
        validationIcon={invalid}
        numberButtonType={type === 'number' ? 'none' : undefined}
        {...(min !== undefined ? { min } : {})}
        {...(max !== undefined ? { max } : {})}
        {...(maxLength !== undefined ? { maxLength } : {})}
        oncalciteInputInput={(event) => onChange(event.target.value)}
      />
      <div className="form-field-help">{help}</div>
    </div>
  );
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
