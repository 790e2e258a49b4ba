import { ServerEvent } from '@huddle/protocol';
import type { WebFeature } from '../../lib/feature';
import { PomodoroPanel } from './components/pomodoro-panel';
import { usePomodoroStore } from './stores/pomodoro-store';

export const pomodoroFeature: WebFeature = {
  id: 'pomodoro',
  events: {
    [ServerEvent.PomodoroState]: (snapshot) => usePomodoroStore.getState().receive(snapshot),
  },
  // The server sends its state after every connect; after a restart its versions may start over.
  onConnect: () => usePomodoroStore.getState().expectFreshSnapshot(),
  onLeave: () => usePomodoroStore.getState().clear(),
  stores: [usePomodoroStore],
  nav: { title: 'Pomodoro' },
  Panel: PomodoroPanel,
};
