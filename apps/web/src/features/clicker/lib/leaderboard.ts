import { CLICKER_LIMITS, type ClickerPlayer, goldAt, type LeaderboardEntry } from '@huddle/protocol';

export interface RankedEntry extends LeaderboardEntry {
  self: boolean;
}

/**
 * The leaderboard as it stands at `now`. The server ranks it only when someone's gold changes, so
 * passive income can reorder it in between; this user's own entry comes from their player, which is
 * fresher than the coalesced board (and is there before their first leaderboard update).
 */
export function rankBoard(
  entries: readonly LeaderboardEntry[],
  self: Pick<ClickerPlayer, 'user' | 'goldMilli' | 'perSecond' | 'settledAt'> | null,
  now: number,
): RankedEntry[] {
  const ranked: RankedEntry[] = entries
    .filter((entry) => entry.user.id !== self?.user.id)
    .map((entry) => ({ ...entry, self: false }));
  if (self !== null) {
    const { user, goldMilli, perSecond, settledAt } = self;
    const serverRank = entries.findIndex((entry) => entry.user.id === user.id);
    const mine = { user, goldMilli, perSecond, settledAt, self: true };
    // Ties keep the server's order; a newcomer goes after the players already tied with them.
    ranked.splice(serverRank === -1 ? ranked.length : serverRank, 0, mine);
  }
  const gold = new Map(ranked.map((entry) => [entry, goldAt(entry, now)]));
  return ranked.sort((a, b) => (gold.get(b) ?? 0) - (gold.get(a) ?? 0)).slice(0, CLICKER_LIMITS.leaderboardSize);
}
