import { useCallback, useEffect, useState } from 'react';

const DEFAULT_VISIBLE_MS = 6000;

export type FlashTone = 'error' | 'info';

export interface Flash {
  text: string;
  tone: FlashTone;
}

/** A message that hides itself after a while, for the outcome of a command next to its control. */
export function useFlashMessage(visibleMs = DEFAULT_VISIBLE_MS) {
  const [flash, setFlash] = useState<Flash | null>(null);

  useEffect(() => {
    if (flash === null) return;
    const timer = setTimeout(() => setFlash(null), visibleMs);
    return () => clearTimeout(timer);
  }, [flash, visibleMs]);

  // A fresh object each time, so showing the same message again restarts its timer.
  const show = useCallback((text: string, tone: FlashTone = 'error') => setFlash({ text, tone }), []);
  const dismiss = useCallback(() => setFlash(null), []);

  return { flash, show, dismiss };
}
