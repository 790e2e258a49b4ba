import type { ComponentType } from 'react';
import { PomodoroPanel } from '../../../features/pomodoro/components/pomodoro-panel';

export interface FeaturePanel {
  id: string;
  title: string;
  Component: ComponentType;
}

/** The panels of a space, in order. A new feature is one more line here. */
export const FEATURE_PANELS: readonly FeaturePanel[] = [
  { id: 'pomodoro', title: 'Pomodoro', Component: PomodoroPanel },
];
