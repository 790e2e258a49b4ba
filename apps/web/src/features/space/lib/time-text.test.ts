import { describe, expect, it } from 'vitest';
import { agoText, countdownText, expiresText } from './time-text';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('time texts', () => {
  it('says when an invite expires in its largest whole unit', () => {
    expect(expiresText(7 * DAY, 0)).toBe('expires in 7 days');
    expect(expiresText(7 * DAY - 1000, 0)).toBe('expires in 7 days');
    expect(expiresText(6.4 * DAY, 0)).toBe('expires in 6 days');
    expect(expiresText(23.6 * HOUR, 0)).toBe('expires in 1 day');
    expect(expiresText(HOUR, 0)).toBe('expires in 1 hour');
    expect(expiresText(30_000, 0)).toBe('expires in 1 minute');
    expect(expiresText(5, 5)).toBe('expired');
  });

  it('says how long ago a device was seen', () => {
    expect(agoText(0, 59_000)).toBe('just now');
    expect(agoText(0, 5 * MINUTE)).toBe('5 minutes ago');
    expect(agoText(0, 2 * DAY + HOUR)).toBe('2 days ago');
  });

  it('counts a link down as m:ss and stops at zero', () => {
    expect(countdownText(10 * MINUTE)).toBe('10:00');
    expect(countdownText(61_001)).toBe('1:02');
    expect(countdownText(-5)).toBe('0:00');
  });
});
