import type { ComponentType } from 'react';
import { ChatPanel } from '../../../features/chat/components/chat-panel';
import { ClickerPanel } from '../../../features/clicker/components/clicker-panel';
import { PomodoroPanel } from '../../../features/pomodoro/components/pomodoro-panel';
import { SensorPanel } from '../../../features/sensor/components/sensor-panel';

export interface FeaturePanel {
  id: string;
  title: string;
  Component: ComponentType;
}

/** The panels of a space, in order. A new feature is one more line here. */
export const FEATURE_PANELS: readonly FeaturePanel[] = [
  { id: 'pomodoro', title: 'Pomodoro', Component: PomodoroPanel },
  { id: 'sensor', title: 'Sensors', Component: SensorPanel },
  { id: 'chat', title: 'Chat', Component: ChatPanel },
  { id: 'clicker', title: 'Gold', Component: ClickerPanel },
];
