import { describe, expect, it } from 'vitest';
import { createPresence } from './presence.js';

const ana = { id: 'u-ana', name: 'Ana' };
const bo = { id: 'u-bo', name: 'Bo' };

describe('presence', () => {
  it('counts a user once across tabs: first tab joins, last tab leaves', async () => {
    const presence = createPresence();
    expect(await presence.add('s', ana, 't1')).toEqual({ changed: true });
    expect(await presence.add('s', ana, 't2')).toEqual({ changed: false });
    expect(await presence.add('s', bo, 't3')).toEqual({ changed: true });
    expect(await presence.users('s')).toEqual([ana, bo]);
    expect(await presence.remove('s', ana.id, 't1')).toEqual({ changed: false });
    expect(await presence.users('s')).toEqual([ana, bo]);
    expect(await presence.remove('s', ana.id, 't2')).toEqual({ changed: true });
    expect(await presence.users('s')).toEqual([bo]);
  });

  it('keeps spaces apart and ignores unknown connections', async () => {
    const presence = createPresence();
    await presence.add('s', ana, 't1');
    await presence.add('other', bo, 't2');
    expect((await presence.remove('s', ana.id, 'unknown')).changed).toBe(false);
    expect((await presence.remove('s', bo.id, 't2')).changed).toBe(false);
    expect(await presence.users('s')).toEqual([ana]);
    expect(await presence.users('other')).toEqual([bo]);
    await presence.remove('s', ana.id, 't1');
    expect(await presence.users('s')).toEqual([]);
  });
});
