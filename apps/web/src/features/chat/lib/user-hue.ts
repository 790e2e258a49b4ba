/** A stable hue per user id, so each person keeps one avatar colour everywhere. */
export function userHue(userId: string): number {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}
