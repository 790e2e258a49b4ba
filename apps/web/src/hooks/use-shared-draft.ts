import { useState } from 'react';
import {
  changedWhileEditing,
  type DraftFields,
  followShared,
  isEdited,
  type SharedDraft,
  sharedDraft,
} from '../lib/shared-draft';

/**
 * The state of a form editing a shared value (see `lib/shared-draft.ts`). `shared` is the space's value
 * as the form shows it; it is followed while rendering, so a field never shows a stale value.
 */
export function useSharedDraft<F extends string>(shared: DraftFields<F>) {
  const [held, setState] = useState(() => sharedDraft(shared));
  const state = followShared(held, shared);
  if (state !== held) setState(state);

  return {
    state,
    draft: state.draft,
    edited: isEdited(state),
    /** Someone else changed a field the user is editing. */
    changedElsewhere: changedWhileEditing(state, shared),
    edit: (field: F, value: string) => setState({ ...state, draft: { ...state.draft, [field]: value } }),
    /** Shows `next` as the space's value with nothing edited: after a save, or "show theirs". */
    adopt: (next: DraftFields<F>) => setState(sharedDraft(next)),
    /** Replaces the whole state, for a change the pattern does not know (a unit switch, say). */
    replace: (next: SharedDraft<F>) => setState(next),
  };
}
