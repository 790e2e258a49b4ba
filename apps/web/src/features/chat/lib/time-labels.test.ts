import { describe, expect, it } from 'vitest';
import { dayLabel } from './time-labels';

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();

describe('dayLabel', () => {
  const now = at(2025, 3, 10, 9);

  it('says Today and Yesterday by calendar day, not by 24 hours', () => {
    expect(dayLabel(at(2025, 3, 10, 0), now)).toBe('Today');
    expect(dayLabel(at(2025, 3, 9, 23), now)).toBe('Yesterday');
    expect(dayLabel(at(2025, 3, 9, 0), now)).toBe('Yesterday');
  });

  it('gives the date for older days, with the year only when it is another one', () => {
    expect(dayLabel(at(2025, 3, 1), now, 'en-US')).toBe('Saturday, March 1');
    expect(dayLabel(at(2024, 12, 31), now, 'en-US')).toBe('Tuesday, December 31, 2024');
  });
});
