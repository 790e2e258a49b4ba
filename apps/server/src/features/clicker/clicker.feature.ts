import { ServerEvent } from '@huddle/protocol';
import type { Feature, FeatureContext } from '../../feature.js';
import { BACKLOGGED_ROOM, spaceRoom, userRoom } from '../../io/rooms.js';
import { clickerData } from './clicker.data.js';
import { createClickerService } from './clicker.service.js';
import { createClickerStore } from './clicker.store.js';

/** The gold clicker: a player's game goes to all of their tabs, the leaderboard and purchases to the space. */
export function clickerFeature({ db, clock, logger, io }: FeatureContext): Feature {
  const clicker = createClickerService({
    store: createClickerStore(db),
    clock,
    logger,
    onPlayer: (player) => io.to(userRoom(player.user.id)).emit(ServerEvent.ClickerPlayer, player),
    // The next board replaces it whole: a client that is behind skips this one.
    onLeaderboard: (space, board) =>
      io.to(spaceRoom(space)).except(BACKLOGGED_ROOM).emit(ServerEvent.ClickerLeaderboard, board),
    onPurchase: (space, purchase) => io.to(spaceRoom(space)).emit(ServerEvent.ClickerPurchase, purchase),
  });

  return {
    name: 'clicker',
    commands: {
      'clicker:click': (socket, { count }) => clicker.click(socket.data, count),
      'clicker:buy': (socket, { item, clientId }) => clicker.buy(socket.data, item, clientId),
    },
    async snapshot(socket) {
      const [player, board, feed] = await Promise.all([
        clicker.player(socket.data),
        clicker.board(socket.data.space),
        clicker.feed(socket.data.space),
      ]);
      socket.emit(ServerEvent.ClickerPlayer, player);
      socket.emit(ServerEvent.ClickerLeaderboard, board);
      socket.emit(ServerEvent.ClickerFeed, feed);
    },
    stop: () => clicker.stop(),
    data: clickerData(db, clicker.forget),
  };
}
