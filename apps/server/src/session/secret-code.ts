import { createHash, randomBytes } from 'node:crypto';

/** A fresh secret for an invite or device link: 18 random bytes (144 bits), 24 base64url characters. */
export const newSecretCode = (): string => randomBytes(18).toString('base64url');

/** What is stored of a secret: its SHA-256, so the database never holds a working invite or link. */
export const hashSecretCode = (code: string): string => createHash('sha256').update(code).digest('hex');

/** "Firefox on Linux": what the devices list shows, from the user agent the device signed in with. */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser =
    [
      [/Edg\//, 'Edge'],
      [/OPR\//, 'Opera'],
      [/Firefox\//, 'Firefox'],
      [/Chrom(e|ium)\//, 'Chrome'],
      [/Safari\//, 'Safari'],
    ].find(([pattern]) => (pattern as RegExp).test(ua))?.[1] ?? 'A browser';
  const system =
    [
      [/Android/, 'Android'],
      [/iPhone|iPad/, 'iOS'],
      [/Windows/, 'Windows'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ].find(([pattern]) => (pattern as RegExp).test(ua))?.[1] ?? null;
  return system ? `${browser} on ${system}` : String(browser);
}
