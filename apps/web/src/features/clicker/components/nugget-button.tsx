import { type MouseEvent, useRef, useState } from 'react';
import { useConnectionStore } from '../../../stores/connection-store';
import { mineGold } from '../commands';
import { formatNumber } from '../lib/format';
import { useClickerStore } from '../stores/clicker-store';
import { NuggetArt } from './nugget-art';

/** Floating "+N" numbers on screen at once; a fast clicker would otherwise pile up dozens. */
const MAX_FLOATERS = 12;
/** Matches the floater animation in clicker.css. */
const FLOATER_MS = 900;

interface Floater {
  id: number;
  x: number;
  y: number;
  text: string;
}

/** The nugget to click: a native button, so mouse, touch, Enter and Space all mine. */
export function NuggetButton() {
  const perClick = useClickerStore((s) => s.player?.perClick ?? 0);
  const connected = useConnectionStore((s) => s.phase === 'connected');
  const [floaters, setFloaters] = useState<Floater[]>([]);
  const [presses, setPresses] = useState(0);
  const lastId = useRef(0);

  function handleClick(event: MouseEvent<HTMLButtonElement>) {
    mineGold();
    const box = event.currentTarget.getBoundingClientRect();
    // A key press has no pointer (detail 0): float from around the middle of the nugget.
    const fromPointer = event.detail > 0;
    const x = fromPointer ? event.clientX - box.left : box.width * (0.35 + Math.random() * 0.3);
    const y = fromPointer ? event.clientY - box.top : box.height * 0.45;
    lastId.current += 1;
    const id = lastId.current;
    setFloaters((shown) => [...shown.slice(1 - MAX_FLOATERS), { id, x, y, text: `+${formatNumber(perClick)}` }]);
    setTimeout(() => setFloaters((shown) => shown.filter((floater) => floater.id !== id)), FLOATER_MS);
    setPresses((n) => n + 1);
  }

  // Two identical animations by turns: changing the name restarts the bump on every press.
  const bump = presses === 0 ? '' : ` nugget__button--bump-${presses % 2 === 0 ? 'even' : 'odd'}`;
  return (
    <div className="nugget">
      <button
        type="button"
        className={`nugget__button${bump}`}
        aria-label="Mine gold"
        onClick={handleClick}
        disabled={!connected}
      >
        <NuggetArt />
      </button>
      <div className="nugget__floaters" aria-hidden="true">
        {floaters.map((floater) => (
          <span key={floater.id} className="nugget__floater" style={{ left: floater.x, top: floater.y }}>
            {floater.text}
          </span>
        ))}
      </div>
      <p className="nugget__hint">{connected ? 'Click the nugget to mine' : 'Waiting for the connection…'}</p>
    </div>
  );
}
