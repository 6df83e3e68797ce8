// The scan options form's values: generated from the option schemas the server publishes (GET /api/clean/scan-types),
// edited as text and check boxes, and turned back into the request's typed options with the same checks the server
// makes, so most mistakes are named next to their control before anything is sent.
import type { OptionSpec, OptionValue } from '../../api/clean.api';

/** What a control holds: check boxes a boolean, every other control its text. */
export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;

/** The form's starting values: each option's default (lists as comma-separated text). */
export function initialValues(specs: readonly OptionSpec[]): FormValues {
  const values: FormValues = {};
  for (const spec of specs) values[spec.name] = toFormValue(spec, spec.default);
  return values;
}

/** A stored option value (a scan's options, a default) as the form shows it. */
export function toFormValue(spec: OptionSpec, value: OptionValue | undefined): FormValue {
  if (spec.kind === 'boolean') return value === true;
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

export interface OptionsResult {
  options: Record<string, OptionValue>;
  /** One message per option name that is not acceptable. */
  errors: Record<string, string>;
}

/** The typed options of a request, or a message per option that is wrong (what is wrong and what is allowed). */
export function toOptions(specs: readonly OptionSpec[], values: FormValues): OptionsResult {
  const options: Record<string, OptionValue> = {};
  const errors: Record<string, string> = {};
  for (const spec of specs) {
    const raw = values[spec.name];
    if (spec.kind === 'boolean') {
      options[spec.name] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (spec.required) errors[spec.name] = `${spec.label} is required.`;
      else if (spec.kind === 'string-list') options[spec.name] = [];
      continue;
    }
    switch (spec.kind) {
      case 'integer':
      case 'number': {
        const n = Number(text);
        if (!Number.isFinite(n) || (spec.kind === 'integer' && !Number.isInteger(n))) {
          errors[spec.name] = `${spec.label} must be a ${spec.kind === 'integer' ? 'whole number' : 'number'}.`;
        } else if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
          errors[spec.name] = `${spec.label} must be ${rangeText(spec)}.`;
        } else options[spec.name] = n;
        break;
      }
      case 'string':
        if (spec.maxLength !== undefined && text.length > spec.maxLength) errors[spec.name] = `${spec.label} must be at most ${spec.maxLength} characters.`;
        else options[spec.name] = text;
        break;
      case 'string-list':
        options[spec.name] = splitList(text);
        break;
    }
  }
  return { options, errors };
}

/** Comma-separated text as a list, blanks dropped. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export function rangeText(spec: Pick<OptionSpec, 'min' | 'max'>): string {
  if (spec.min !== undefined && spec.max !== undefined) return `from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `at least ${spec.min}`;
  if (spec.max !== undefined) return `at most ${spec.max}`;
  return 'a number';
}

/**
 * The server names rejected options `options.<name>` (or just `<name>`); this maps its field messages onto the form's
 * controls, and returns the rest (messages for no control) separately so they are still shown.
 */
export function serverFieldErrors(fields: Readonly<Record<string, string>>, names: readonly string[]): { byName: Record<string, string>; other: string[] } {
  const byName: Record<string, string> = {};
  const other: string[] = [];
  for (const [field, message] of Object.entries(fields)) {
    const name = field.startsWith('options.') ? field.slice('options.'.length) : field;
    if (names.includes(name)) byName[name] = message;
    else other.push(message);
  }
  return { byName, other };
}

/** A scan's options in one line for history and headings, e.g. "Days: 365 · Item types: Web Map". */
export function describeOptions(specs: readonly OptionSpec[] | undefined, options: Record<string, OptionValue>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    const spec = specs?.find((s) => s.name === name);
    const label = spec?.label ?? name;
    if (Array.isArray(value)) {
      if (value.length > 0) parts.push(`${label}: ${value.join(', ')}`);
    } else if (typeof value === 'boolean') {
      // Flags that are on by default are only worth mentioning when switched off, and the other way round.
      if (spec?.default === undefined || value !== spec.default) parts.push(`${label}: ${value ? 'yes' : 'no'}`);
    } else parts.push(`${label}: ${String(value)}`);
  }
  return parts.join(' · ');
}
