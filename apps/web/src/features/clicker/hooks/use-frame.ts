import { type RefObject, useLayoutEffect, useReducer, useRef } from 'react';
import { serverNow } from '../../../lib/server-time';
import { onEveryFrame } from '../lib/frame-loop';

/** Runs `callback` with the server time on every animation frame while the component is mounted. */
export function useFrame(callback: (now: number) => void): void {
  const latest = useRef(callback);
  useLayoutEffect(() => {
    latest.current = callback;
  });
  useLayoutEffect(() => {
    latest.current(serverNow());
    return onEveryFrame(() => latest.current(serverNow()));
  }, []);
}

/**
 * Text that changes every frame (gold accruing), written straight into the element so React does not
 * re-render anything for it. The element must have no React children.
 */
export function useLiveText<T extends HTMLElement>(text: (now: number) => string): RefObject<T | null> {
  const ref = useRef<T>(null);
  useFrame((now) => {
    const next = text(now);
    if (ref.current !== null && ref.current.textContent !== next) ref.current.textContent = next;
  });
  return ref;
}

/**
 * A value derived from the time, computed at render; a frame that finds it changed re-renders the
 * caller, so e.g. the shop re-renders when the accruing gold affords another item, not every frame.
 */
export function useFrameValue<T extends string | number | boolean>(compute: (now: number) => T): T {
  const value = compute(serverNow());
  const rendered = useRef(value);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    rendered.current = value;
  });
  useFrame((now) => {
    if (compute(now) !== rendered.current) rerender();
  });
  return value;
}
