import { describe, expect, it } from 'vitest';
import { changedWhileEditing, followShared, isEdited, sharedDraft } from './shared-draft';

const shown = { humidity: '70', temperature: '86' };

describe('shared draft', () => {
  it('starts unedited, showing the space’s value', () => {
    const state = sharedDraft(shown);
    expect(state.draft).toEqual(shown);
    expect(isEdited(state)).toBe(false);
    expect(changedWhileEditing(state, shown)).toBe(false);
  });

  it('tells which field the user edited', () => {
    const state = { ...sharedDraft(shown), draft: { ...shown, humidity: '55' } };
    expect(isEdited(state)).toBe(true);
    expect(isEdited(state, 'humidity')).toBe(true);
    expect(isEdited(state, 'temperature')).toBe(false);
  });

  it('follows the space in every field while nothing is edited', () => {
    const incoming = { humidity: '60', temperature: '90' };
    expect(followShared(sharedDraft(shown), incoming)).toEqual(sharedDraft(incoming));
  });

  it('follows the space only in the fields the user is not editing, and says when an edited one moved', () => {
    const state = { ...sharedDraft(shown), draft: { ...shown, humidity: '55' } };
    const incoming = { humidity: '60', temperature: '90' };
    const followed = followShared(state, incoming);
    expect(followed.draft).toEqual({ humidity: '55', temperature: '90' });
    expect(followed.base).toEqual({ humidity: '70', temperature: '90' });
    expect(changedWhileEditing(followed, incoming)).toBe(true);
    // Someone else setting it back to where the edit started is no longer a conflict.
    expect(changedWhileEditing(followed, { humidity: '70', temperature: '90' })).toBe(false);
  });

  it('keeps the same state when nothing moves, so a render that follows it does not loop', () => {
    const state = { ...sharedDraft(shown), draft: { ...shown, humidity: '55' } };
    expect(followShared(state, shown)).toBe(state);
    // Only the edited field moved: nothing to follow, but the form now shows the notice.
    const moved = { ...shown, humidity: '60' };
    expect(followShared(state, moved)).toBe(state);
    expect(changedWhileEditing(state, moved)).toBe(true);
  });

  it('an edit typed back to the space’s value is no edit', () => {
    const state = { ...sharedDraft(shown), draft: { ...shown, humidity: '55' } };
    expect(isEdited({ ...state, draft: shown })).toBe(false);
  });
});
