import type { Feature, FeatureContext } from '../../feature.js';

/** Clients sample this to learn their offset to server time (deadlines are in server time). */
export function clockFeature({ clock }: FeatureContext): Feature {
  return {
    name: 'clock',
    commands: { 'clock:sync': () => ({ serverTime: clock.now() }) },
  };
}
