import { displayNameSchema, ErrorCode, type SessionGrant, spaceSlugSchema } from '@huddle/protocol';
import { type FormEvent, useId, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { createSession } from '../../../lib/session-api';
import { randomSpaceSlug } from '../../../lib/space-slug';
import { useSessionStore } from '../../../stores/session-store';

interface JoinFormProps {
  /** Join this space; without it the form asks for one too. */
  space?: string;
  onJoined?: (grant: SessionGrant) => void;
}

interface JoinErrors {
  name?: string;
  space?: string;
  form?: string;
}

export function JoinForm({ space: fixedSpace, onJoined }: JoinFormProps) {
  const id = useId();
  const lastName = useSessionStore((s) => s.lastName);
  const [name, setName] = useState(lastName);
  const [space, setSpace] = useState(() => fixedSpace ?? randomSpaceSlug());
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
    const held = useSessionStore.getState().grants[parsedSpace.data];
    const result = await createSession({
      space: parsedSpace.data,
      name: parsedName.data,
      ...(held ? { token: held.token } : {}),
    });
    setPending(false);
    if (result.ok) {
      useSessionStore.getState().saveGrant(result.data);
      onJoined?.(result.data);
      return;
    }
    const { code, message, field } = result.error;
    if (code === ErrorCode.NameTaken || field === 'name') setErrors({ name: message });
    else if (field === 'space' && fixedSpace === undefined) setErrors({ space: message });
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
      {fixedSpace === undefined && (
        <Field
          id={`${id}-space`}
          label="Space"
          name="space"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={40}
          value={space}
          onChange={(event) => setSpace(event.target.value)}
          error={errors.space}
          hint="Lowercase letters, digits and dashes. Share the link to invite your team."
          required
        />
      )}
      {errors.form && (
        <p className="form-error" role="alert">
          {errors.form}
        </p>
      )}
      <button type="submit" className="button button--primary join-form__submit" disabled={pending}>
        {pending ? 'Joining…' : 'Join'}
      </button>
    </form>
  );
}
