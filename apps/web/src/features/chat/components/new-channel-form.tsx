import { channelNameSchema, ErrorCode } from '@huddle/protocol';
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from 'react';
import { createChannel } from '../commands';

/** "New channel" and the small form it reveals; a name already taken opens that channel. */
export function NewChannelForm() {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const inputId = `${id}-name`;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;

  function close() {
    setOpen(false);
    setName('');
    setError(null);
    toggleRef.current?.focus();
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsed = channelNameSchema.safeParse(name);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Choose another name');
      return;
    }
    setPending(true);
    const ack = await createChannel(parsed.data);
    setPending(false);
    if (ack.ok) close();
    else
      setError(ack.error.code === ErrorCode.Timeout ? 'Not connected — try again once reconnected' : ack.error.message);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === 'Escape') close();
  }

  return (
    <div className="new-channel">
      <button
        ref={toggleRef}
        type="button"
        className="chat-sidebar__add"
        aria-expanded={open}
        aria-controls={open ? `${id}-form` : undefined}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span aria-hidden="true">+</span> New channel
      </button>
      {open && (
        <form
          id={`${id}-form`}
          className="new-channel__form"
          onSubmit={handleSubmit}
          onKeyDown={handleKeyDown}
          noValidate
        >
          <div className="field">
            <label className="field__label" htmlFor={inputId}>
              Channel name
            </label>
            <input
              id={inputId}
              className="field__input"
              value={name}
              onChange={(event) => {
                setName(event.target.value);
                setError(null);
              }}
              placeholder="e.g. design-review"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={64}
              aria-invalid={error === null ? undefined : true}
              aria-describedby={error === null ? hintId : errorId}
              // biome-ignore lint/a11y/noAutofocus: the user just asked for this form; typing the name is next
              autoFocus
            />
            {error === null ? (
              <p className="field__hint" id={hintId}>
                Lowercase letters, digits, dashes and underscores
              </p>
            ) : (
              <p className="field__error" id={errorId} role="alert">
                {error}
              </p>
            )}
          </div>
          <div className="new-channel__actions">
            <button type="submit" className="button button--primary button--small" disabled={pending}>
              Create
            </button>
            <button type="button" className="button button--ghost button--small" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
