const DAY_MS = 24 * 60 * 60_000;

/** "Today", "Yesterday", or the date (with the year when it is not this one), in the viewer's locale. */
export function dayLabel(at: number, now: number, locale?: string): string {
  const day = startOfDay(at);
  const today = startOfDay(now);
  if (day === today) return 'Today';
  // Rounded: a day with a daylight-saving change is not 24 hours long.
  if (Math.round((today - day) / DAY_MS) === 1) return 'Yesterday';
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Date(at).toLocaleDateString(locale, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    ...(sameYear ? {} : { year: 'numeric' }),
  });
}

export function clockTime(at: number, locale?: string): string {
  return new Date(at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

export function fullDateTime(at: number, locale?: string): string {
  return new Date(at).toLocaleString(locale, { dateStyle: 'full', timeStyle: 'short' });
}

function startOfDay(at: number): number {
  const date = new Date(at);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}
