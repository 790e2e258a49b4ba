import { createHash, timingSafeEqual } from 'node:crypto';

/** True when two secrets are equal, compared in constant time whatever their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
