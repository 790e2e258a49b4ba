import { type ClickerPlayer, goldAt, MILLI } from '@huddle/protocol';
import { serverNow } from '../../../lib/server-time';
import { useFrameValue, useLiveText } from '../hooks/use-frame';
import { formatGold, formatNumber } from '../lib/format';
import { type RankedEntry, rankBoard } from '../lib/leaderboard';
import { optimisticGoldMilli, pendingClicks, useClickerStore } from '../stores/clicker-store';

type Self = Pick<ClickerPlayer, 'user' | 'goldMilli' | 'perSecond' | 'settledAt'>;

/** This user as they rank: their player plus the clicks the server has not counted yet. */
function selfNow(): Self | null {
  const state = useClickerStore.getState();
  if (state.player === null) return null;
  return { ...state.player, goldMilli: state.player.goldMilli + pendingClicks(state) * state.player.perClick * MILLI };
}

export function Leaderboard() {
  const board = useClickerStore((s) => s.board);
  // This user's rate and place come from their player: re-render when it changes too.
  useClickerStore((s) => s.player);
  const entries = board?.leaderboard ?? [];
  // Gold accrues at different rates: re-render when the order changes, not every frame.
  useFrameValue((now) =>
    rankBoard(entries, selfNow(), now)
      .map((entry) => entry.user.id)
      .join(' '),
  );

  if (board === null) return <p className="clicker__empty">Loading the leaderboard…</p>;
  return (
    <ol className="leaderboard" aria-label="Leaderboard">
      {rankBoard(entries, selfNow(), serverNow()).map((entry, index) => (
        <LeaderboardRow key={entry.user.id} rank={index + 1} entry={entry} />
      ))}
    </ol>
  );
}

function LeaderboardRow({ rank, entry }: { rank: number; entry: RankedEntry }) {
  const gold = useLiveText<HTMLSpanElement>((now) =>
    formatGold(entry.self ? (optimisticGoldMilli(useClickerStore.getState(), now) ?? 0) : goldAt(entry, now)),
  );
  return (
    <li className={`leaderboard__row${entry.self ? ' leaderboard__row--self' : ''}`}>
      <span className={`leaderboard__rank leaderboard__rank--${rank}`} aria-hidden="true">
        {rank}
      </span>
      <span className="leaderboard__name">
        {entry.user.name}
        {entry.self && <span className="leaderboard__you"> (you)</span>}
      </span>
      <span className="leaderboard__gold" ref={gold} />
      <span className="leaderboard__rate">+{formatNumber(entry.perSecond)}/s</span>
    </li>
  );
}
