import '../pomodoro.css';
import { type Ack, describeActivity, type PomodoroSnapshot, PomodoroState } from '@huddle/protocol';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { PanelLoading } from '../../../components/ui/panel-loading';
import { useDocumentTitle } from '../../../hooks/use-document-title';
import { useFlashMessage } from '../../../hooks/use-flash-message';
import { useNotificationPermission } from '../../../hooks/use-notification-permission';
import { pausePomodoro, pressPomodoro, resetPomodoro, resumePomodoro } from '../commands';
import { usePomodoroAlarm } from '../hooks/use-pomodoro-alarm';
import { useRemainingTime } from '../hooks/use-remaining-time';
import { stateTone } from '../lib/state-tone';
import { currentCycle, formatCountdown, isPaused, isTimed, remainingFraction } from '../lib/timing';
import { pomodoroTitle } from '../lib/title';
import { usePomodoroStore } from '../stores/pomodoro-store';
import { PomodoroSettingsForm } from './pomodoro-settings-form';
import { TomatoButton } from './tomato-button';

export function PomodoroPanel() {
  const snapshot = usePomodoroStore((s) => s.snapshot);
  const remaining = useRemainingTime(snapshot);
  usePomodoroAlarm();
  useDocumentTitle(pomodoroTitle(snapshot, remaining));

  if (snapshot === null) {
    return <PanelLoading>Waiting for the timer…</PanelLoading>;
  }
  return <PomodoroView snapshot={snapshot} remaining={remaining} />;
}

function PomodoroView({ snapshot, remaining }: { snapshot: PomodoroSnapshot; remaining: number | null }) {
  const feedback = useFlashMessage();
  const paused = isPaused(snapshot);
  const timed = isTimed(snapshot);
  const total = snapshot.settings.cyclesBeforeLongBreak;
  const cycle = currentCycle(snapshot);
  // A long break closes the round: every work period of it is done.
  const cyclesDone = snapshot.state === PomodoroState.LONG_BREAK ? total : Math.min(snapshot.cyclesDone, total);

  async function run(command: () => Promise<Ack<PomodoroSnapshot>>) {
    const ack = await command();
    if (ack.ok) feedback.dismiss();
    else feedback.show(ack.error.message);
  }

  return (
    <div className={`pomodoro pomodoro--${stateTone(snapshot.state).name}`}>
      <div className="pomodoro__dial">
        <TomatoButton
          state={snapshot.state}
          remainingFraction={remainingFraction(remaining, snapshot.periodMs)}
          onPress={() => void run(pressPomodoro)}
        />
        <p
          className={`pomodoro__countdown${remaining === null ? ' pomodoro__countdown--none' : ''}`}
          data-testid="pomodoro-countdown"
          role="timer"
        >
          {formatCountdown(remaining)}
        </p>
        <p className="pomodoro__hint">{paused ? <span className="pomodoro__paused">Paused</span> : hint(snapshot)}</p>
        <div className="pomodoro__controls">
          {timed && !paused && (
            <button type="button" className="button" onClick={() => void run(pausePomodoro)}>
              Pause
            </button>
          )}
          {paused && (
            <button type="button" className="button button--primary" onClick={() => void run(resumePomodoro)}>
              Resume
            </button>
          )}
          <button
            type="button"
            className="button button--ghost"
            onClick={() => void run(resetPomodoro)}
            disabled={snapshot.state === PomodoroState.IDLE}
          >
            Reset
          </button>
        </div>
        <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
      </div>

      <div className="pomodoro__details">
        <dl className="pomodoro__stats">
          <div className="stat">
            <dt>Cycle</dt>
            <dd>
              <span data-testid="pomodoro-cycle">
                Cycle {cycle} of {total}
              </span>
              <span className="cycle-pips" aria-hidden="true">
                {Array.from({ length: total }, (_, index) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: pips are positions, not items
                  <span key={index} className={`cycle-pip${index < cyclesDone ? ' cycle-pip--done' : ''}`} />
                ))}
              </span>
            </dd>
          </div>
          <div className="stat">
            <dt>Completed</dt>
            <dd data-testid="pomodoro-completed">
              {snapshot.completedPomodoros} {snapshot.completedPomodoros === 1 ? 'pomodoro' : 'pomodoros'} done
            </dd>
          </div>
        </dl>
        <p className="pomodoro__activity">
          <span data-testid="pomodoro-activity">
            {snapshot.activity ? describeActivity(snapshot.activity) : 'Nobody has pressed the tomato yet'}
          </span>
          {snapshot.activity && (
            <time className="pomodoro__activity-time" dateTime={new Date(snapshot.activity.at).toISOString()}>
              {new Date(snapshot.activity.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </time>
          )}
        </p>
        <NotificationPrompt />
        <PomodoroSettingsForm settings={snapshot.settings} />
      </div>
    </div>
  );
}

function hint(snapshot: PomodoroSnapshot): string {
  switch (snapshot.state) {
    case PomodoroState.IDLE:
      return `Press the tomato to start ${minutes(snapshot.settings.workSeconds)} of work`;
    case PomodoroState.WORK:
      return 'Focus time';
    case PomodoroState.BREAK_ALARM:
      return 'Work period done — press the tomato to start the break';
    case PomodoroState.SHORT_BREAK:
      return 'Take a breather';
    case PomodoroState.WORK_ALARM:
      return 'Break is over — press the tomato to get back to work';
    case PomodoroState.LONG_BREAK:
      return 'Well earned. Press the tomato to end the break early';
  }
}

function minutes(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  return `${Number((seconds / 60).toFixed(1))} min`;
}

function NotificationPrompt() {
  const { permission, request } = useNotificationPermission();
  if (permission !== 'default') return null;
  return (
    <p className="pomodoro__notify">
      Get a notification when the alarm rings.{' '}
      <button type="button" className="button button--small" onClick={() => void request()}>
        Enable notifications
      </button>
    </p>
  );
}
