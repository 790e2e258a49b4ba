import type { Ack, PomodoroSettings, PomodoroSnapshot } from '@huddle/protocol';
import { sendCommand } from '../../lib/socket';
import { usePomodoroStore } from './stores/pomodoro-store';

type PomodoroAck = Ack<PomodoroSnapshot>;

// The ack carries the new snapshot: take it at once rather than wait for the broadcast.
function applied(ack: PomodoroAck): PomodoroAck {
  if (ack.ok) usePomodoroStore.getState().receive(ack.data);
  return ack;
}

export async function pressPomodoro(): Promise<PomodoroAck> {
  return applied(await sendCommand('pomodoro:press', {}));
}

export async function pausePomodoro(): Promise<PomodoroAck> {
  return applied(await sendCommand('pomodoro:pause', {}));
}

export async function resumePomodoro(): Promise<PomodoroAck> {
  return applied(await sendCommand('pomodoro:resume', {}));
}

export async function resetPomodoro(): Promise<PomodoroAck> {
  return applied(await sendCommand('pomodoro:reset', {}));
}

export async function savePomodoroSettings(settings: PomodoroSettings): Promise<PomodoroAck> {
  return applied(await sendCommand('pomodoro:settings', settings));
}
