import { displayNameSchema, ErrorCode, type SessionGrant, spaceSlugSchema, type Visibility } from '@huddle/protocol';
import { type FormEvent, useId, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { createSession } from '../../../lib/session-api';
import { randomSpaceSlug } from '../../../lib/space-slug';
import { useSessionStore } from '../../../stores/session-store';
import '../session.css';

/** Answers to a join that the space's page shows as a page of its own rather than beside a field. */
export type JoinRefusal = typeof ErrorCode.SpacePrivate | typeof ErrorCode.InviteExpired | typeof ErrorCode.Removed;

const REFUSALS: readonly string[] = [ErrorCode.SpacePrivate, ErrorCode.InviteExpired, ErrorCode.Removed];

interface JoinFormProps {
  /** Join this space; without it the form starts a new one (asking for its name and who may join). */
  space?: string;
  /** The invite the space's link carried. */
  invite?: string | null;
  onJoined?: (grant: SessionGrant) => void;
  /** The server refused this browser the space: no invite, a dead one, or a removal. */
  onRefused?: (code: JoinRefusal) => void;
}

interface JoinErrors {
  name?: string;
  space?: string;
  form?: string;
}

const VISIBILITY_CHOICES: readonly { value: Visibility; label: string; hint: string }[] = [
  { value: 'private', label: 'Private', hint: 'Only people you invite' },
  { value: 'open', label: 'Open', hint: 'Anyone with the link' },
];

export function JoinForm({ space: fixedSpace, invite = null, onJoined, onRefused }: JoinFormProps) {
  const id = useId();
  const creating = fixedSpace === undefined;
  const lastName = useSessionStore((s) => s.lastName);
  const [name, setName] = useState(lastName);
  const [space, setSpace] = useState(() => fixedSpace ?? randomSpaceSlug());
  const [visibility, setVisibility] = useState<Visibility>('private');
  const [errors, setErrors] = useState<JoinErrors>({});
  const [pending, setPending] = useState(false);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const parsedName = displayNameSchema.safeParse(name);
    const parsedSpace = spaceSlugSchema.safeParse(space.trim());
    const invalid: JoinErrors = {
      name: parsedName.error?.issues[0]?.message,
      space: parsedSpace.error?.issues[0]?.message,
    };
    if (!parsedName.success || !parsedSpace.success) {
      setErrors(invalid);
      return;
    }
    setErrors({});
    setPending(true);
    const { grants, ended } = useSessionStore.getState();
    // The token held, or the one of a removal: its owner takes their name back, or the server refuses a blocked one.
    const token = grants[parsedSpace.data]?.token ?? ended[parsedSpace.data]?.token;
    const result = await createSession({
      space: parsedSpace.data,
      name: parsedName.data,
      ...(token !== undefined ? { token } : {}),
      ...(invite !== null ? { invite } : {}),
      ...(creating ? { create: { visibility } } : {}),
    });
    setPending(false);
    if (result.ok) {
      useSessionStore.getState().saveGrant(result.data);
      onJoined?.(result.data);
      return;
    }
    const { code, message, field } = result.error;
    if (code === ErrorCode.Removed) useSessionStore.getState().endSession(parsedSpace.data, 'removed');
    if (code === ErrorCode.NameTaken || field === 'name') setErrors({ name: message });
    else if (creating && code === ErrorCode.SpaceExists) {
      setErrors({
        space: 'A private space already has this name. Pick another one, or ask its members for an invite.',
      });
    } else if (creating && (code === ErrorCode.SpacePrivate || code === ErrorCode.Removed)) {
      setErrors({ space: message });
    } else if (onRefused !== undefined && REFUSALS.includes(code)) onRefused(code as JoinRefusal);
    else if (field === 'space' && creating) setErrors({ space: message });
    else setErrors({ form: message });
  }

  return (
    <form className="join-form" onSubmit={handleSubmit} noValidate>
      <Field
        id={`${id}-name`}
        label="Your name"
        name="name"
        autoComplete="nickname"
        maxLength={64}
        value={name}
        onChange={(event) => setName(event.target.value)}
        error={errors.name}
        hint="How others in the space will see you."
        required
        autoFocus
      />
      {creating && (
        <>
          <Field
            id={`${id}-space`}
            label="Space name"
            name="space"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            maxLength={40}
            value={space}
            onChange={(event) => setSpace(event.target.value)}
            error={errors.space}
            hint="Lowercase letters, digits and dashes: it becomes the space's address."
            required
          />
          <fieldset className="visibility-choice">
            <legend className="field__label">Who can join</legend>
            {VISIBILITY_CHOICES.map((choice) => (
              <label key={choice.value} className="visibility-choice__option">
                <input
                  type="radio"
                  name={`${id}-visibility`}
                  value={choice.value}
                  checked={visibility === choice.value}
                  onChange={() => setVisibility(choice.value)}
                />
                <span className="visibility-choice__text">
                  <span className="visibility-choice__label">{choice.label}</span>
                  <span className="visibility-choice__hint">{choice.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
        </>
      )}
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      <button type="submit" className="button button--primary join-form__submit" disabled={pending}>
        {creating ? (pending ? 'Starting…' : 'Start the huddle') : pending ? 'Joining…' : 'Join'}
      </button>
    </form>
  );
}
