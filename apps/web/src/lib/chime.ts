export type ChimeKind = 'break' | 'work';

// Rising notes call back to work; falling ones announce a break.
const NOTES: Readonly<Record<ChimeKind, readonly number[]>> = {
  break: [1046.5, 784, 659.25],
  work: [523.25, 659.25, 784, 1046.5],
};

let context: AudioContext | null = null;

function audioContext(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  context ??= new AudioContext();
  return context;
}

/**
 * Browsers keep audio suspended until the page gets a user gesture; opening the context on the first
 * one lets a later alarm ring even though no click caused it.
 */
export function unlockAudioOnFirstGesture(): void {
  const unlock = () => {
    window.removeEventListener('pointerdown', unlock);
    window.removeEventListener('keydown', unlock);
    void audioContext()
      ?.resume()
      .catch(() => undefined);
  };
  window.addEventListener('pointerdown', unlock);
  window.addEventListener('keydown', unlock);
}

/** A short synthesized chime: no audio files to fetch, nothing to fail to load. */
export function playChime(kind: ChimeKind): void {
  const ctx = audioContext();
  if (ctx === null) return;
  void ctx.resume().catch(() => undefined);
  const start = ctx.currentTime + 0.05;
  NOTES[kind].forEach((frequency, index) => {
    const at = start + index * 0.16;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = 'triangle';
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.7);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.75);
  });
}
