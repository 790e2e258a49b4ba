import { useId } from 'react';

interface ChoiceGroupProps<T extends string> {
  legend: string;
  /** Hides the legend visually; it still names the group. */
  hideLegend?: boolean;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}

/** A radio group drawn as a segmented control: native radios, so arrow keys move between choices. */
export function ChoiceGroup<T extends string>({ legend, hideLegend, options, value, onChange }: ChoiceGroupProps<T>) {
  const name = useId();
  return (
    <fieldset className="choice-group">
      <legend className={hideLegend ? 'visually-hidden' : 'choice-group__legend'}>{legend}</legend>
      <div className="choice-group__options">
        {options.map((option) => (
          <label key={option.value} className="choice-group__option">
            <input
              type="radio"
              className="choice-group__input"
              name={name}
              value={option.value}
              checked={option.value === value}
              onChange={() => onChange(option.value)}
            />
            <span className="choice-group__label">{option.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
