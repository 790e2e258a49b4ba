import { useLiveText } from '../hooks/use-frame';
import { formatNumber, wholeGold } from '../lib/format';
import { optimisticGoldMilli, useClickerStore } from '../stores/clicker-store';

/** The player's gold, counting up every frame, and what each click and second bring. */
export function GoldSummary() {
  const perClick = useClickerStore((s) => s.player?.perClick ?? 0);
  const perSecond = useClickerStore((s) => s.player?.perSecond ?? 0);
  const amount = useLiveText<HTMLSpanElement>((now) => {
    const milli = optimisticGoldMilli(useClickerStore.getState(), now);
    return milli === null ? '' : formatNumber(wholeGold(milli));
  });

  return (
    <div className="gold-summary">
      <p className="gold-summary__count" data-testid="gold-count">
        <span className="gold-summary__amount" ref={amount} /> gold
      </p>
      <p className="gold-summary__rates">
        <span className="gold-summary__rate" data-testid="gold-per-click">
          {formatNumber(perClick)} per click
        </span>
        <span className="gold-summary__rate" data-testid="gold-per-second">
          {formatNumber(perSecond)} per second
        </span>
      </p>
    </div>
  );
}
