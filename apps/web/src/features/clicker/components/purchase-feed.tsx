import { useFrameValue } from '../hooks/use-frame';
import { describePurchase, formatWholeGold, relativeTime } from '../lib/format';
import { useClickerStore } from '../stores/clicker-store';
import { ItemIcon } from './item-icon';

/** Relative times are redrawn this often. */
const TIME_STEP_MS = 5000;

export function PurchaseFeed() {
  const feed = useClickerStore((s) => s.feed);
  const now = useFrameValue((time) => Math.floor(time / TIME_STEP_MS) * TIME_STEP_MS);

  return (
    <>
      <ul className="purchase-feed" aria-label="Purchases">
        {feed.map((purchase) => (
          <li key={`${purchase.user.id}:${purchase.item}:${purchase.at}`} className="purchase-feed__item">
            <span className="purchase-feed__icon">
              <ItemIcon item={purchase.item} />
            </span>
            <span className="purchase-feed__text">
              {describePurchase(purchase)}
              <span className="purchase-feed__price"> for {formatWholeGold(purchase.price)}</span>
            </span>
            <time className="purchase-feed__time" dateTime={new Date(purchase.at).toISOString()}>
              {relativeTime(purchase.at, now)}
            </time>
          </li>
        ))}
      </ul>
      {feed.length === 0 && <p className="clicker__empty">No purchases yet. Who buys the first shovel?</p>}
    </>
  );
}
