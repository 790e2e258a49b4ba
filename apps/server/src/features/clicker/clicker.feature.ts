import { ServerEvent } from '@huddle/protocol';
import type { Feature } from '../../io/types.js';
import type { ClickerService } from './clicker.service.js';

export function clickerFeature(clicker: ClickerService): Feature {
  return {
    commands: {
      'clicker:click': (socket, { count }) => clicker.click(socket.data.user, socket.data.space, count),
      'clicker:buy': (socket, { item }) => clicker.buy(socket.data.user, socket.data.space, item),
    },
    async snapshot(socket) {
      const { user, space } = socket.data;
      const [player, board, feed] = await Promise.all([
        clicker.player(user, space),
        clicker.board(space),
        clicker.feed(space),
      ]);
      socket.emit(ServerEvent.ClickerPlayer, player);
      socket.emit(ServerEvent.ClickerLeaderboard, board);
      socket.emit(ServerEvent.ClickerFeed, feed);
    },
  };
}
