import { describe, expect, it } from 'vitest';
import {
  formatAge,
  formatHumidity,
  formatLimit,
  formatStatus,
  formatTemperature,
  formatTick,
  formatTime,
  fromFahrenheit,
  temperatureLimits,
  toFahrenheit,
} from './format';

describe('sensor formatting', () => {
  it('shows readings with one decimal and their unit', () => {
    expect(formatHumidity(45.23)).toBe('45.2 %');
    expect(formatHumidity(45)).toBe('45.0 %');
    expect(formatTemperature(71.3, 'F')).toBe('71.3 °F');
    expect(formatTemperature(212, 'C')).toBe('100.0 °C');
    expect(formatTemperature(71.3, 'C')).toBe('21.8 °C');
  });

  it('never shows a negative zero', () => {
    expect(formatTemperature(31.97, 'C')).toBe('0.0 °C');
    expect(formatHumidity(-0.01)).toBe('0.0 %');
  });

  it('shows limits as short as they can be', () => {
    expect(formatLimit('temperature', 86, 'F')).toBe('86 °F');
    expect(formatLimit('temperature', 86, 'C')).toBe('30 °C');
    expect(formatLimit('temperature', 40, 'C')).toBe('4.4 °C');
    expect(formatLimit('humidity', 70.5, 'C')).toBe('70.5 %');
  });

  it('converts both ways and knows the range in each unit', () => {
    expect(fromFahrenheit(50, 'C')).toBe(10);
    expect(toFahrenheit(10, 'C')).toBe(50);
    expect(toFahrenheit(50, 'F')).toBe(50);
    expect(temperatureLimits('F')).toEqual({ min: -40, max: 212 });
    expect(temperatureLimits('C')).toEqual({ min: -40, max: 100 });
  });

  it('shows times as local hh:mm:ss on a 24-hour clock', () => {
    expect(formatTime(new Date(2024, 0, 2, 15, 4, 5).getTime())).toMatch(/^15.04.05$/);
    expect(formatTime(new Date(2024, 0, 2, 9, 0, 7).getTime())).toMatch(/^09.00.07$/);
  });

  it('labels time ticks as precisely as their spacing needs', () => {
    const at = new Date(2024, 0, 2, 15, 4, 30).getTime();
    expect(formatTick(at, 30_000)).toMatch(/^15.04.30$/);
    expect(formatTick(at, 60_000)).toMatch(/^15.04$/);
    expect(formatTick(at, 86_400_000)).not.toMatch(/15/);
  });

  it('says how old a reading is', () => {
    expect(formatAge(-30_000)).toBe('just now');
    expect(formatAge(4_999)).toBe('just now');
    expect(formatAge(12_400)).toBe('12 s ago');
    expect(formatAge(59_999)).toBe('59 s ago');
    expect(formatAge(3 * 60_000 + 59_000)).toBe('3 min ago');
    expect(formatAge(2 * 3_600_000)).toBe('2 h ago');
    expect(formatAge(3 * 86_400_000)).toBe('3 d ago');
  });

  it('words every status, naming each breach in the chosen unit', () => {
    expect(formatStatus({ level: 'no-data' }, 'F')).toBe('No readings yet');
    expect(formatStatus({ level: 'ok' }, 'C')).toBe('All readings within limits');
    const alarm = {
      level: 'alarm' as const,
      breaches: [
        { quantity: 'humidity' as const, value: 75, limit: 70 },
        { quantity: 'temperature' as const, value: 91.2, limit: 86 },
      ],
    };
    expect(formatStatus(alarm, 'F')).toBe(
      'Alarm: humidity 75.0 % is above the 70 % limit and temperature 91.2 °F is above the 86 °F limit',
    );
    expect(formatStatus(alarm, 'C')).toBe(
      'Alarm: humidity 75.0 % is above the 70 % limit and temperature 32.9 °C is above the 30 °C limit',
    );
  });

  it('adds a decimal when a value would read the same as its limit', () => {
    const status = {
      level: 'alarm' as const,
      breaches: [{ quantity: 'temperature' as const, value: 86.04, limit: 86 }],
    };
    expect(formatStatus(status, 'F')).toBe('Alarm: temperature 86.04 °F is above the 86 °F limit');
  });
});
