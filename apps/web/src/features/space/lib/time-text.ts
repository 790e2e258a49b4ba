const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function amount(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A duration in its largest unit, rounded: "7 days" (a 7-day invite a moment after), "23 hours", "1 minute". */
function span(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 60) return amount(Math.max(1, minutes), 'minute');
  const hours = Math.round(ms / HOUR);
  if (hours < 24) return amount(hours, 'hour');
  return amount(Math.round(ms / DAY), 'day');
}

/** When something ends, from now: "expires in 6 days", or "expired". */
export function expiresText(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  return left <= 0 ? 'expired' : `expires in ${span(left)}`;
}

/** When something last happened: "just now", "5 minutes ago", "2 days ago". */
export function agoText(at: number, now: number): string {
  const past = now - at;
  return past < MINUTE ? 'just now' : `${span(past)} ago`;
}

/** Time left as m:ss, never negative: a one-time link's countdown. */
export function countdownText(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
