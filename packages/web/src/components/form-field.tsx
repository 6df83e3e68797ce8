import { type Ref, useId } from 'react';
import '@esri/calcite-components/components/calcite-input';

export interface FormFieldProps {
  /** Form field name; also the key of the server's per-field error messages. */
  name: string;
  /** Visible label; it is also the control's accessible name. */
  label: string;
  /** One line under the control that says what to enter. */
  help: string;
  value: string;
  onValueChange: (value: string) => void;
  type?: 'text' | 'password' | 'email' | 'url' | 'number';
  autoComplete?: AutoFill;
  /** Shown under the control in the error style, and marks it invalid for assistive technology. */
  error?: string | undefined;
  required?: boolean;
  disabled?: boolean;
  /** Numbers only: the range the browser's input allows. */
  min?: number;
  max?: number;
  maxLength?: number;
  ref?: Ref<HTMLCalciteInputElement>;
}

/** A labelled Calcite input with a one-line help text and an inline error message. */
export function FormField({
  name,
  label,
  help,
  value,
  onValueChange,
  type = 'text',
  autoComplete,
  error,
  required = false,
  disabled = false,
  min,
  max,
  maxLength,
  ref
}: FormFieldProps) {
  const id = useId();
  const invalid = error !== undefined && error !== '';
  return (
    <div className="form-field" data-field={name}>
      <calcite-input
        ref={ref}
        id={id}
        name={name}
        type={type}
        labelText={label}
        // labelText only draws the label; `label` gives the inner input its accessible name (Calcite 5.0).
        label={label}
        value={value}
        autocomplete={autoComplete}
        required={required}
        disabled={disabled}
        status={invalid ? 'invalid' : 'idle'}
        validationMessage={invalid ? error : ''}
        validationIcon={invalid}
        {...(type === 'number' ? { numberButtonType: 'none' as const } : {})}
        {...(min !== undefined ? { min } : {})}
        {...(max !== undefined ? { max } : {})}
        {...(maxLength !== undefined ? { maxLength } : {})}
        oncalciteInputInput={(event) => onValueChange(event.target.value)}
      />
      <div className="form-field-help">{help}</div>
    </div>
  );
}

/**
 * Resolves once the element and every Calcite component around it have rendered. Until then Calcite keeps them
 * `visibility: hidden`, and hidden elements cannot take focus.
 */
async function calciteReady(element: Element): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let node: Node | null = element; node; node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null)) {
    if (node instanceof HTMLElement && node.localName.startsWith('calcite-') && 'componentOnReady' in node) {
      pending.push((node as HTMLCalciteInputElement).componentOnReady());
    }
  }
  await Promise.all(pending);
  await new Promise((resolve) => requestAnimationFrame(resolve));
}

/** Moves keyboard focus into a Calcite input once it can take it. */
export async function focusInput(element: HTMLCalciteInputElement | null | undefined): Promise<void> {
  if (!element) return;
  await calciteReady(element);
  if (element.isConnected && typeof element.setFocus === 'function') await element.setFocus();
}
