import { CLICKER_ITEM_IDS, CLICKER_ITEMS, type ClickerItemId, itemPrice } from '@huddle/protocol';
import { useId, useRef } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useFlashMessage } from '../../../hooks/use-flash-message';
import { buyItem } from '../commands';
import { useFrame, useFrameValue } from '../hooks/use-frame';
import { formatWholeGold, itemEffect } from '../lib/format';
import { affordableItems, savedTowards } from '../lib/shop';
import { optimisticGoldMilli, useClickerStore } from '../stores/clicker-store';
import { ItemIcon } from './item-icon';

const NO_ITEMS: Record<ClickerItemId, number> = { shovel: 0, excavator: 0, mine: 0, refinery: 0 };

function goldNow(now: number): number {
  return optimisticGoldMilli(useClickerStore.getState(), now) ?? 0;
}

export function Shop() {
  const items = useClickerStore((s) => s.player?.items ?? NO_ITEMS);
  // Passive income makes items affordable between updates: re-render when the set changes, not every frame.
  const affordable = useFrameValue((now) => affordableItems(goldNow(now), items)).split(' ');
  const feedback = useFlashMessage();

  async function buy(item: ClickerItemId) {
    const ack = await buyItem(item);
    if (ack.ok) feedback.dismiss();
    else feedback.show(ack.error.message);
  }

  return (
    <div className="shop">
      <ul className="shop__items" aria-label="Shop">
        {CLICKER_ITEM_IDS.map((item) => (
          <ShopItem
            key={item}
            item={item}
            owned={items[item]}
            affordable={affordable.includes(item)}
            onBuy={() => void buy(item)}
          />
        ))}
      </ul>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </div>
  );
}

interface ShopItemProps {
  item: ClickerItemId;
  owned: number;
  affordable: boolean;
  onBuy: () => void;
}

function ShopItem({ item, owned, affordable, onBuy }: ShopItemProps) {
  const id = useId();
  const { name } = CLICKER_ITEMS[item];
  const price = formatWholeGold(itemPrice(item, owned));
  const progress = useRef<HTMLSpanElement>(null);
  useFrame((now) => {
    const style = progress.current?.style;
    const scale = `scaleX(${savedTowards(goldNow(now), item, owned).toFixed(3)})`;
    if (style && style.transform !== scale) style.transform = scale;
  });

  return (
    <li className={`shop-item${affordable ? ' shop-item--affordable' : ''}`}>
      <button
        type="button"
        className="shop-item__buy"
        aria-label={`Buy ${name} for ${price}`}
        aria-describedby={`${id}-effect`}
        disabled={!affordable}
        onClick={onBuy}
      >
        <span className="shop-item__icon">
          <ItemIcon item={item} />
        </span>
        <span className="shop-item__text">
          <span className="shop-item__name">{name}</span>
          <span className="shop-item__effect" id={`${id}-effect`}>
            {itemEffect(item)}
          </span>
        </span>
        <span className="shop-item__price">{price}</span>
        <span className="shop-item__progress" ref={progress} />
      </button>
      <p className="shop-item__owned">
        <span className="shop-item__owned-count" data-testid={`owned-${item}`}>
          {owned}
        </span>
        <span className="shop-item__owned-label">owned</span>
      </p>
    </li>
  );
}
