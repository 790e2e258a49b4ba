import { describe, expect, it } from 'vitest';
import { applyPresence, EMPTY_PRESENCE, type PresenceList } from './presence.js';

const ana = { id: 'u-ana', name: 'Ana' };
const bo = { id: 'u-bo', name: 'Bo' };
const cy = { id: 'u-cy', name: 'cy' };
const names = (list: PresenceList) => list.users.map((u) => u.name);

describe('applyPresence', () => {
  it('takes a snapshot as the whole list, sorted by name', () => {
    expect(names(applyPresence(EMPTY_PRESENCE, { users: [cy, bo, ana], at: 10 }))).toEqual(['Ana', 'Bo', 'cy']);
  });

  it('applies a batch of changes in order', () => {
    const start = applyPresence(EMPTY_PRESENCE, { users: [ana], at: 10 });
    const after = applyPresence(start, {
      changes: [
        { kind: 'joined', user: cy, at: 11 },
        { kind: 'joined', user: bo, at: 12 },
        { kind: 'left', user: ana, at: 13 },
        { kind: 'left', user: cy, at: 14 },
        { kind: 'joined', user: cy, at: 15 },
      ],
    });
    expect(names(after)).toEqual(['Bo', 'cy']);
  });

  it('is idempotent: a join of someone listed, or a leave of someone absent, changes nothing', () => {
    const start = applyPresence(EMPTY_PRESENCE, { users: [ana], at: 10 });
    expect(names(applyPresence(start, { changes: [{ kind: 'joined', user: ana, at: 11 }] }))).toEqual(['Ana']);
    expect(names(applyPresence(start, { changes: [{ kind: 'left', user: bo, at: 11 }] }))).toEqual(['Ana']);
  });

  it('ignores a change older than the snapshot', () => {
    const start = applyPresence(EMPTY_PRESENCE, { users: [ana, bo], at: 20 });
    expect(names(applyPresence(start, { changes: [{ kind: 'left', user: bo, at: 19 }] }))).toEqual(['Ana', 'Bo']);
  });

  it('ignores a change older than the latest one applied for that user (batches out of order)', () => {
    const start = applyPresence(EMPTY_PRESENCE, { users: [ana], at: 10 });
    // Bo's last tab closed on one node at 12, his new tab opened on another at 13; the batches crossed.
    const rejoined = applyPresence(start, { changes: [{ kind: 'joined', user: bo, at: 13 }] });
    const stale = applyPresence(rejoined, { changes: [{ kind: 'left', user: bo, at: 12 }] });
    expect(names(stale)).toEqual(['Ana', 'Bo']);
  });

  it('returns the same list when nothing applied', () => {
    const start = applyPresence(EMPTY_PRESENCE, { users: [ana], at: 10 });
    expect(applyPresence(start, { changes: [] })).toBe(start);
  });
});
