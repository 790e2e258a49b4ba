import { ServerEvent } from '@huddle/protocol';
import type { WebFeature } from '../../lib/feature';
import { ClickerPanel } from './components/clicker-panel';
import { useClickerStore } from './stores/clicker-store';

export const clickerFeature: WebFeature = {
  id: 'clicker',
  events: {
    [ServerEvent.ClickerPlayer]: (player) => useClickerStore.getState().receivePlayer(player),
    [ServerEvent.ClickerLeaderboard]: (board) => useClickerStore.getState().receiveBoard(board),
    [ServerEvent.ClickerFeed]: ({ purchases }) => useClickerStore.getState().receiveFeed(purchases),
    [ServerEvent.ClickerPurchase]: (purchase) => useClickerStore.getState().receivePurchase(purchase),
  },
  // The server sends the player and the feed after every connect; its versions may start over.
  onConnect: () => useClickerStore.getState().expectFreshSnapshot(),
  onLeave: () => useClickerStore.getState().clear(),
  stores: [useClickerStore],
  nav: { title: 'Gold' },
  Panel: ClickerPanel,
};
