import { POMODORO_MESSAGES, type PomodoroState } from '@huddle/protocol';
import { useId } from 'react';
import { stateTone } from '../lib/state-tone';

interface TomatoButtonProps {
  state: PomodoroState;
  /** Share of the period left, 0…1; null draws the ring full but faint. */
  remainingFraction: number | null;
  onPress: () => void;
}

const RING_RADIUS = 92;
const RING_CIRCUMFERENCE = 2 * Math.PI * RING_RADIUS;
// Sepals as seen from the side: [angle in degrees, length scale].
const LEAVES: readonly (readonly [number, number])[] = [
  [198, 1],
  [152, 0.9],
  [100, 0.75],
  [62, 0.9],
  [-18, 1],
];

/** The tomato everyone in the space presses: a native button, so mouse, Enter and Space all work. */
export function TomatoButton({ state, remainingFraction, onPress }: TomatoButtonProps) {
  const gradientId = useId();
  const message = POMODORO_MESSAGES[state];
  const tone = stateTone(state);
  const dashOffset = RING_CIRCUMFERENCE * (1 - (remainingFraction ?? 1));
  const fontSize = messageFontSize(message);

  return (
    <button
      type="button"
      className={`tomato tomato--${tone.name}${tone.alarm ? ' tomato--ringing' : ''}`}
      aria-label={`Pomodoro: ${message}`}
      onClick={onPress}
    >
      <svg className="tomato__art" viewBox="0 0 200 200" aria-hidden="true" focusable="false">
        <defs>
          <radialGradient id={gradientId} cx="38%" cy="34%" r="75%">
            <stop offset="0%" className="tomato__shine-stop" />
            <stop offset="100%" className="tomato__body-stop" />
          </radialGradient>
        </defs>
        <circle className="tomato__track" cx="100" cy="100" r={RING_RADIUS} />
        <circle
          className={`tomato__progress${remainingFraction === null ? ' tomato__progress--idle' : ''}`}
          cx="100"
          cy="100"
          r={RING_RADIUS}
          strokeDasharray={RING_CIRCUMFERENCE}
          strokeDashoffset={dashOffset}
          transform="rotate(-90 100 100)"
        />
        <g className="tomato__fruit">
          <path
            className="tomato__body"
            fill={`url(#${gradientId})`}
            d="M100 56c22-10 62-4 70 42 6 38-22 76-70 76s-76-38-70-76c8-46 48-52 70-42z"
          />
          <path
            className="tomato__crease"
            d="M100 60c-12 30-12 80 0 112M70 62c-20 28-22 78 4 104M130 62c20 28 22 78-4 104"
          />
          <ellipse className="tomato__highlight" cx="64" cy="92" rx="11" ry="19" transform="rotate(28 64 92)" />
          <g transform="translate(100 58)">
            {LEAVES.map(([angle, scale]) => (
              <path
                key={angle}
                className="tomato__leaf"
                d="M0 0c6-7 20-8 30-2-8 6-20 8-30 2z"
                transform={`rotate(${angle}) scale(${scale})`}
              />
            ))}
          </g>
          <path className="tomato__stem" d="M100 58c0-10 2-17 9-23" />
          <text className="tomato__message" x="100" y="124" textAnchor="middle" fontSize={fontSize}>
            {message}
          </text>
        </g>
      </svg>
    </button>
  );
}

// The body is ~140 units wide where the text sits; longer messages get a smaller size to stay inside it.
function messageFontSize(message: string): number {
  if (message.length <= 5) return 24;
  if (message.length <= 9) return 18;
  if (message.length <= 11) return 16;
  return 13.5;
}
