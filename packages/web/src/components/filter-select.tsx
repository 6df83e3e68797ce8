
import '@esri/calcite-components/components/calcite-option';
import '@esri/calcite-components/components/calcite-select';// A list filter's drop-down: an "any" choice (the empty value) followed by the given choices; the label is also the
// control's accessible name.

export interface FilterChoice<T extends string> {
  value: T;
  label: string;
}

export interface FilterSelectProps<T extends string> {
  label: string;
  /** The label of the empty value, which filters nothing ("Any status"). */
  anyLabel: string;
  value: T | '';
  choices: readonly FilterChoice<T>[];
  onChange: (value: T | '') => void;
}

export function FilterSelect<T extends string>({ label, anyLabel, value, choices, onChange }: FilterSelectProps<T>) {
  const all: FilterChoice<T | ''>[] = [{ value: '', label: anyLabel }, ...choices];
  return (
    <calcite-select label={label} labelText={label} value={value} oncalciteSelectChange={(event) => onChange(event.target.value as T | '')}>
      {all.map((choice) => (
        <calcite-option key={choice.value} value={choice.value} label={choice.label} selected={value === choice.value}>
          {choice.label}
        </calcite-option>
      ))}
    </calcite-select>
  );
}
