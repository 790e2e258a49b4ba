import type { LeaderboardEntry, PublicUser } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { rankBoard } from './leaderboard';

const user = (name: string): PublicUser => ({ id: `u-${name}`, name });
const entry = (name: string, goldMilli: number, perSecond = 0, settledAt = 0): LeaderboardEntry => ({
  user: user(name),
  goldMilli,
  perSecond,
  settledAt,
});
const names = (ranked: { user: PublicUser }[]) => ranked.map((e) => e.user.name);

describe('rankBoard', () => {
  it('reorders by gold at now, passive income included', () => {
    const board = [entry('Ana', 10_000), entry('Bo', 5_000, 10)];
    expect(names(rankBoard(board, null, 0))).toEqual(['Ana', 'Bo']);
    expect(names(rankBoard(board, null, 1_000))).toEqual(['Bo', 'Ana']);
  });

  it('takes this user from their player, marked as self', () => {
    const board = [entry('Ana', 10_000), entry('Bo', 5_000)];
    const ranked = rankBoard(board, { user: user('Bo'), goldMilli: 20_000, perSecond: 0, settledAt: 0 }, 0);
    expect(names(ranked)).toEqual(['Bo', 'Ana']);
    expect(ranked.map((e) => e.self)).toEqual([true, false]);
  });

  it('adds this user when the board does not list them yet, after those tied with them', () => {
    const ranked = rankBoard([entry('Ana', 0)], { user: user('Cy'), goldMilli: 0, perSecond: 0, settledAt: 0 }, 0);
    expect(names(ranked)).toEqual(['Ana', 'Cy']);
  });

  it('keeps the server order for ties', () => {
    const board = [entry('Ana', 0), entry('Bo', 0), entry('Cy', 0)];
    expect(names(rankBoard(board, { ...entry('Bo', 0) }, 0))).toEqual(['Ana', 'Bo', 'Cy']);
  });

  it('shows the top ten', () => {
    const board = Array.from({ length: 10 }, (_, i) => entry(`P${i}`, (20 - i) * 1_000));
    const ranked = rankBoard(board, { user: user('Me'), goldMilli: 100_000, perSecond: 0, settledAt: 0 }, 0);
    expect(ranked).toHaveLength(10);
    expect(ranked[0]?.user.name).toBe('Me');
    expect(names(ranked)).not.toContain('P9');
  });
});
