import { type ReactNode, useEffect, useId, useRef, useState } from 'react';

type CopyState = 'idle' | 'copied' | 'failed';

/** A link to pass on: read-only, selected on focus, with a Copy button that says when it worked. */
export function CopyField({
  label,
  value,
  note,
  testId,
}: {
  label: string;
  value: string;
  note?: ReactNode;
  testId?: string;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [state, setState] = useState<CopyState>('idle');

  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 4000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    input.current?.select();
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      // No clipboard access (an insecure origin, a refused permission): the link is selected to copy by hand.
      setState('failed');
    }
  }

  return (
    <div className="copy-field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      <div className="copy-field__row">
        <input
          ref={input}
          id={id}
          className="field__input copy-field__input"
          readOnly
          value={value}
          data-testid={testId}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" className="button button--primary" onClick={copy}>
          Copy
        </button>
      </div>
      <div className="copy-field__footer">
        {note !== undefined && <p className="copy-field__note">{note}</p>}
        <p className={`copy-field__outcome copy-field__outcome--${state}`} aria-live="polite">
          {state === 'copied'
            ? 'Copied'
            : state === 'failed'
              ? 'Could not copy: the link is selected, copy it by hand'
              : ''}
        </p>
      </div>
    </div>
  );
}
