import { type Ack, COMMAND_NAMES, type SessionGrant } from '@huddle/protocol';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join, uniqueSpace } from '../../../server/test/helpers';
import { withAppOnServer } from './test-server';

// The real Huddle server, in this process, and the app's real socket bridge serving the real feature list.
const huddle = withAppOnServer();
/** Every feature's state before any space was opened: what leaving a space must bring back. */
let pristine: unknown[];
/** The server events this page received, in order, with their payloads. */
const received: { name: string; payload: unknown }[] = [];

beforeAll(() => {
  pristine = featureStates();
  huddle.page.socket.onAny((name: string, payload: unknown) => received.push({ name, payload }));
});

afterEach(() => {
  received.length = 0;
});

/** Each feature's stores, as one value per feature (in registry order). */
function featureStates(): unknown[] {
  return huddle.page.features.map((feature) => feature.stores.map((store) => store.getState()));
}

/** The features whose state is still what it was before any space opened. */
function featuresWithoutState(): string[] {
  const states = featureStates();
  return huddle.page.features.filter((_, i) => isDeepEqual(states[i], pristine[i])).map((feature) => feature.id);
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

/** Opens a space as SpaceView does, and waits until every feature holds that space's state. */
async function enter(grant: SessionGrant): Promise<void> {
  huddle.page.useSessionStore.getState().saveGrant(grant);
  huddle.page.bridge.openSpaceConnection(grant.space, grant.token);
  await expect.poll(() => huddle.page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
  await expect.poll(featuresWithoutState, { timeout: 10_000 }).toEqual([]);
}

/** The events a feature declared that this page has received. */
function eventsOf(index: number): { name: string; payload: unknown }[] {
  const names = Object.keys(huddle.page.features[index]?.events ?? {});
  return received.filter(({ name }) => names.includes(name));
}

describe('socket bridge: the features of the registry against the real server', { timeout: 30_000 }, () => {
  it('connects: every feature gets its own events and holds the space’s state', async () => {
    const ana = await join(huddle.server.url, uniqueSpace('features'), 'Ana');
    await enter(ana);
    for (const [index, feature] of huddle.page.features.entries()) {
      expect(eventsOf(index), `${feature.id} received none of its events`).not.toEqual([]);
    }
  });

  it('reconnects: every feature gets its events again on the new connection', async () => {
    const ana = await join(huddle.server.url, uniqueSpace('features'), 'Ana');
    await enter(ana);
    received.length = 0;
    // The network drops the connection; Socket.IO reconnects by itself.
    huddle.page.socket.io.engine.close();
    await expect.poll(() => huddle.page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
    for (const [index, feature] of huddle.page.features.entries()) {
      await expect
        .poll(() => eventsOf(index).length, { timeout: 10_000, message: `${feature.id} got no events again` })
        .toBeGreaterThan(0);
    }
    expect(featuresWithoutState()).toEqual([]);
  });

  it('switching space: no answer or event of the old space reaches any feature', async () => {
    const space = uniqueSpace('old');
    await enter(await join(huddle.server.url, space, 'Ana'));
    const oldEvents = [...received];
    const next = await join(huddle.server.url, uniqueSpace('new'), 'Ana');

    // Every command in flight as the space switches; the socket drops their acks, the epoch says why.
    const answers: Promise<Ack<unknown>>[] = COMMAND_NAMES.map((name) => huddle.page.sendCommand(name, {} as never));
    huddle.page.useSessionStore.getState().saveGrant(next);
    huddle.page.bridge.openSpaceConnection(next.space, next.token);
    const afterSwitch = featureStates();
    expect(featuresWithoutState()).toEqual(huddle.page.features.map((feature) => feature.id));

    // The old space's events arriving now (before the new connection's welcome) reach no feature.
    // Straight to the socket's listeners: the typed `listeners` cannot follow a name read at run time.
    const listeners = huddle.page.socket.listeners.bind(huddle.page.socket) as (
      name: string,
    ) => ((payload: unknown) => void)[];
    for (const { name, payload } of oldEvents) {
      for (const listener of listeners(name)) listener(payload);
    }
    for (const ack of await Promise.all(answers)) expect(huddle.page.isStaleAck(ack)).toBe(true);
    expect(featureStates()).toEqual(afterSwitch);

    // And the new space fills every feature again.
    await expect.poll(() => huddle.page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
    await expect.poll(featuresWithoutState, { timeout: 10_000 }).toEqual([]);
  });

  it('leaving a space: every feature forgets it', async () => {
    await enter(await join(huddle.server.url, uniqueSpace('features'), 'Ana'));
    huddle.page.bridge.closeSpaceConnection();
    expect(featureStates()).toEqual(pristine);
    expect(huddle.page.useConnectionStore.getState().phase).toBe('idle');
    expect(huddle.page.socket.connected).toBe(false);
  });
});
