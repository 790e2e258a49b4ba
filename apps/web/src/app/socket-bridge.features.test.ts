import { type Ack, COMMAND_NAMES, type SessionGrant } from '@huddle/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHuddle } from '../../../server/src/server';
import { join, startTestServer, tempDir, uniqueSpace } from '../../../server/test/helpers';
import { type AppPage, openAppPage } from './test-page';

// The real Huddle server, in this process, and the app's real socket bridge serving the real feature list.
const data = tempDir('huddle-web-features-');
let server: RunningHuddle;
let page: AppPage;
/** Every feature's state before any space was opened: what leaving a space must bring back. */
let pristine: unknown[];
/** The server events this page received, in order, with their payloads. */
const received: { name: string; payload: unknown }[] = [];

beforeAll(async () => {
  server = await startTestServer({ dataDir: data.dir });
  page = await openAppPage(server.url);
  pristine = featureStates();
  page.socket.onAny((name: string, payload: unknown) => received.push({ name, payload }));
}, 30_000);

afterEach(() => {
  page.bridge.closeSpaceConnection();
  received.length = 0;
});

afterAll(async () => {
  await server?.stop();
  data.remove();
});

/** Each feature's stores, as one value per feature (in registry order). */
function featureStates(): unknown[] {
  return page.features.map((feature) => feature.stores.map((store) => store.getState()));
}

/** The features whose state is still what it was before any space opened. */
function featuresWithoutState(): string[] {
  const states = featureStates();
  return page.features.filter((_, i) => isDeepEqual(states[i], pristine[i])).map((feature) => feature.id);
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
  page.useSessionStore.getState().saveGrant(grant);
  page.bridge.openSpaceConnection(grant.space, grant.token);
  await expect.poll(() => page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
  await expect.poll(featuresWithoutState, { timeout: 10_000 }).toEqual([]);
}

/** The events a feature declared that this page has received. */
function eventsOf(index: number): { name: string; payload: unknown }[] {
  const names = Object.keys(page.features[index]?.events ?? {});
  return received.filter(({ name }) => names.includes(name));
}

describe('socket bridge: the features of the registry against the real server', { timeout: 30_000 }, () => {
  it('connects: every feature gets its own events and holds the space’s state', async () => {
    const ana = await join(server.url, uniqueSpace('features'), 'Ana');
    await enter(ana);
    for (const [index, feature] of page.features.entries()) {
      expect(eventsOf(index), `${feature.id} received none of its events`).not.toEqual([]);
    }
  });

  it('reconnects: every feature gets its events again on the new connection', async () => {
    const ana = await join(server.url, uniqueSpace('features'), 'Ana');
    await enter(ana);
    received.length = 0;
    // The network drops the connection; Socket.IO reconnects by itself.
    page.socket.io.engine.close();
    await expect.poll(() => page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
    for (const [index, feature] of page.features.entries()) {
      await expect
        .poll(() => eventsOf(index).length, { timeout: 10_000, message: `${feature.id} got no events again` })
        .toBeGreaterThan(0);
    }
    expect(featuresWithoutState()).toEqual([]);
  });

  it('switching space: no answer or event of the old space reaches any feature', async () => {
    const space = uniqueSpace('old');
    await enter(await join(server.url, space, 'Ana'));
    const oldEvents = [...received];
    const next = await join(server.url, uniqueSpace('new'), 'Ana');

    // Every command in flight as the space switches; the socket drops their acks, the epoch says why.
    const answers: Promise<Ack<unknown>>[] = COMMAND_NAMES.map((name) => page.sendCommand(name, {} as never));
    page.useSessionStore.getState().saveGrant(next);
    page.bridge.openSpaceConnection(next.space, next.token);
    const afterSwitch = featureStates();
    expect(featuresWithoutState()).toEqual(page.features.map((feature) => feature.id));

    // The old space's events arriving now (before the new connection's welcome) reach no feature.
    // Straight to the socket's listeners: the typed `listeners` cannot follow a name read at run time.
    const listeners = page.socket.listeners.bind(page.socket) as (name: string) => ((payload: unknown) => void)[];
    for (const { name, payload } of oldEvents) {
      for (const listener of listeners(name)) listener(payload);
    }
    for (const ack of await Promise.all(answers)) expect(page.isStaleAck(ack)).toBe(true);
    expect(featureStates()).toEqual(afterSwitch);

    // And the new space fills every feature again.
    await expect.poll(() => page.useConnectionStore.getState().phase, { timeout: 10_000 }).toBe('connected');
    await expect.poll(featuresWithoutState, { timeout: 10_000 }).toEqual([]);
  });

  it('leaving a space: every feature forgets it', async () => {
    await enter(await join(server.url, uniqueSpace('features'), 'Ana'));
    page.bridge.closeSpaceConnection();
    expect(featureStates()).toEqual(pristine);
    expect(page.useConnectionStore.getState().phase).toBe('idle');
    expect(page.socket.connected).toBe(false);
  });
});
