import { ServerEvent, type SessionGrant } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { connectRecorded, join, uniqueSpace } from '../../../server/test/helpers';
import { withAppOnServer } from './test-server';

// The real Huddle server, in this process, and the app's real socket bridge: other tabs of the same
// browser renew the session meanwhile, so the token this page presents becomes an older copy.
const huddle = withAppOnServer();
const otherTabs = huddle.tabs;

/** Connects another tab with `token` and answers the renewed token its welcome brings. */
async function renewedByAnotherTab(token: string): Promise<string> {
  const tab = await connectRecorded(huddle.server.url, token);
  otherTabs.push(tab.socket);
  return (await tab.events.next(ServerEvent.Welcome)).token;
}

describe('socket bridge: an older copy of the session', { timeout: 30_000 }, () => {
  it('connects, keeps the newer token another tab saved, and may not link a device', async () => {
    const space = uniqueSpace('copies');
    const first: SessionGrant = await join(huddle.server.url, space, 'Ana');
    // Two renewals presented by other tabs: the first token is now an older copy of this device's session.
    const second = await renewedByAnotherTab(first.token);
    const newest = await renewedByAnotherTab(second);

    huddle.page.useSessionStore.getState().saveGrant({ ...first, token: newest });
    huddle.page.bridge.openSpaceConnection(space, first.token);
    await expect.poll(() => huddle.page.useConnectionStore.getState().phase).toBe('connected');

    // The welcome gave the older copy back, not a renewal: the newer token stays the one held.
    expect(huddle.page.useSessionStore.getState().grants[space]?.token).toBe(newest);
    const link = await huddle.page.sendCommand('session:link-device', {});
    expect(link).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
