import type { ServerEvent, ServerToClientEvents, SessionGrant, Welcome } from '@huddle/protocol';
import type { ComponentType } from 'react';

/** The server events a feature may handle: every one but the welcome, which the connection itself takes. */
export type FeatureEventName = Exclude<keyof ServerToClientEvents, typeof ServerEvent.Welcome>;

/** A zustand store, as far as the host needs to see it. */
export interface SpaceStore {
  getState: () => object;
}

/** Handlers by server event name, each typed by the protocol's payload for that event. */
export type FeatureEventHandlers = { [E in FeatureEventName]?: ServerToClientEvents[E] };

/** A feature's panel in the space: its entry in the navigation, the panel itself, and a badge. */
interface FeaturePanel {
  /** Its entry in the space's navigation. */
  nav: { title: string };
  /** A count to show beside the nav entry (e.g. unread messages); null or 0 shows none. */
  useBadge?: () => number | null;
  Panel: ComponentType;
}

/** A feature that shows no panel (the space itself: members, settings, the header's menus). */
interface NoFeaturePanel {
  nav?: never;
  useBadge?: never;
  Panel?: never;
}

/**
 * What a feature contributes to the web app. The feature declares it once (`features/<f>/<f>.feature.ts`);
 * the app composes the list (`app/features.ts`); the socket bridge and the space view only walk it,
 * so neither names a feature's internals.
 */
export type WebFeature = {
  /** Unique and stable: names the panel's CSS modifier and element ids. */
  id: string;
  /**
   * Server events and what to do with each. The bridge calls a handler only while the connection is
   * welcomed into the open space, so a handler never sees another space's event.
   */
  events: FeatureEventHandlers;
  /** On every (re)connect, before the server resends its state (e.g. accept a snapshot of any version). */
  onConnect?: () => void;
  /** When the connection has been welcomed into the open space. */
  onWelcome?: (welcome: Welcome) => void;
  /** On opening another space and on leaving one: forget everything held for the old space. */
  onLeave: () => void;
  /** The stores holding what the feature knows of the open space, all emptied by `onLeave`. */
  stores: readonly SpaceStore[];
  /** Controls in the space's header bar, given the session this browser holds for the space. */
  Header?: ComponentType<{ grant: SessionGrant }>;
} & (FeaturePanel | NoFeaturePanel);

/** Whether a feature shows a panel in the space. */
export function hasPanel(feature: WebFeature): feature is WebFeature & FeaturePanel {
  return feature.Panel !== undefined;
}

/** Checks the list the app composes: one owner per id and per event, so no two features fight over one. */
export function checkFeatures(features: readonly WebFeature[]): readonly WebFeature[] {
  const ids = new Set<string>();
  const events = new Map<string, string>();
  for (const feature of features) {
    if (ids.has(feature.id)) throw new Error(`Two web features are called ${feature.id}`);
    ids.add(feature.id);
    for (const event of Object.keys(feature.events)) {
      const owner = events.get(event);
      if (owner !== undefined) throw new Error(`${event} is handled by both ${owner} and ${feature.id}`);
      events.set(event, feature.id);
    }
  }
  return features;
}
