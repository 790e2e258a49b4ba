type FrameCallback = () => void;

const callbacks = new Set<FrameCallback>();
let frame: number | null = null;

function run(): void {
  for (const callback of callbacks) callback();
  frame = callbacks.size > 0 ? requestAnimationFrame(run) : null;
}

/**
 * Calls `callback` on every animation frame until the returned function is called. One loop serves every
 * caller, and like any animation frame it pauses while the tab is hidden.
 */
export function onEveryFrame(callback: FrameCallback): () => void {
  callbacks.add(callback);
  frame ??= requestAnimationFrame(run);
  return () => {
    callbacks.delete(callback);
    if (callbacks.size === 0 && frame !== null) {
      cancelAnimationFrame(frame);
      frame = null;
    }
  };
}
