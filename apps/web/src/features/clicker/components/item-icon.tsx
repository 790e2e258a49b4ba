import type { ClickerItemId } from '@huddle/protocol';

// Line drawings on a 24-unit grid, stroked in the current colour.
const PATHS: Readonly<Record<ClickerItemId, string>> = {
  shovel: 'M12.5 11.5 19 5m-1.5-1.5 3 3M11.5 10.5l2 2L8 18c-2 2-4.5 2.5-4.5 2.5S4 18 6 16z',
  excavator: 'M3 17h11a2 2 0 0 1 0 4H3a2 2 0 0 1 0-4zm1 0v-6h5l2 3h3v3m-1-4 4-7 4 3-1 4h-3.5',
  mine: 'M2 21h20M4 21V10l8-6 8 6v11M8 21v-6a4 4 0 0 1 8 0v6',
  refinery: 'M2 21h20M4 21v-9l5 3v-3l5 3V5h4v16m0-18c1.5 0 2-1 3-1',
};

export function ItemIcon({ item }: { item: ClickerItemId }) {
  return (
    <svg className={`item-icon item-icon--${item}`} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[item]} />
    </svg>
  );
}
