/**
 * A form editing a value the whole space shares, which someone else may change meanwhile. Each field
 * remembers the value its edit started from (`base`): a field the user is not editing follows the space,
 * an edited one keeps what was typed, and the form can say when the space moved under an edit.
 */
export type DraftFields<F extends string> = Readonly<Record<F, string>>;

export interface SharedDraft<F extends string> {
  /** What the form shows, as typed. */
  draft: DraftFields<F>;
  /** Per field, the space's value the user's edit started from. */
  base: DraftFields<F>;
}

/** A form showing the space's value, nothing edited. */
export function sharedDraft<F extends string>(shared: DraftFields<F>): SharedDraft<F> {
  return { draft: shared, base: shared };
}

/** Whether the user changed a field (any field, when none is named). */
export function isEdited<F extends string>(state: SharedDraft<F>, field?: F): boolean {
  const fields = field === undefined ? fieldsOf(state.draft) : [field];
  return fields.some((f) => state.draft[f] !== state.base[f]);
}

/**
 * Takes the space's value into every field the user is not editing; an edited field keeps its text
 * and its old base, so the form can tell the space has moved. The same state when nothing moves.
 */
export function followShared<F extends string>(state: SharedDraft<F>, shared: DraftFields<F>): SharedDraft<F> {
  const fields = fieldsOf(shared);
  if (!fields.some((f) => !isEdited(state, f) && state.base[f] !== shared[f])) return state;
  const draft: Record<F, string> = { ...state.draft };
  const base: Record<F, string> = { ...state.base };
  for (const f of fields) {
    if (isEdited(state, f)) continue;
    draft[f] = shared[f];
    base[f] = shared[f];
  }
  return { draft, base };
}

/** Whether someone else changed a field the user is editing: the form offers to show theirs. */
export function changedWhileEditing<F extends string>(state: SharedDraft<F>, shared: DraftFields<F>): boolean {
  return fieldsOf(shared).some((f) => isEdited(state, f) && state.base[f] !== shared[f]);
}

function fieldsOf<F extends string>(fields: DraftFields<F>): F[] {
  return Object.keys(fields) as F[];
}
