import type { Clock } from '../../clock.js';
import type { Feature } from '../../io/types.js';

/** Clients sample this to learn their offset to server time (deadlines are in server time). */
export function clockFeature(clock: Clock): Feature {
  return {
    commands: { 'clock:sync': () => ({ serverTime: clock.now() }) },
  };
}
