import { DEFAULT_SENSOR_THRESHOLDS, sensorThresholdsSchema } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { convertTypedTemperature, parseThresholdDraft, switchUnit, thresholdsToDraft } from './threshold-form';

const current = { humidityMax: 70, temperatureMax: 86 };

describe('threshold form', () => {
  it('shows the thresholds in the chosen unit', () => {
    expect(thresholdsToDraft(current, 'F')).toEqual({ humidity: '70', temperature: '86' });
    expect(thresholdsToDraft(current, 'C')).toEqual({ humidity: '70', temperature: '30' });
    expect(thresholdsToDraft({ humidityMax: 55.5, temperatureMax: 40 }, 'C')).toEqual({
      humidity: '55.5',
      temperature: '4.4',
    });
  });

  it('sends °F, converting what was typed in °C and rounding to a tenth', () => {
    expect(parseThresholdDraft({ humidity: '65', temperature: '40' }, 'F', current)).toEqual({
      ok: true,
      thresholds: { humidityMax: 65, temperatureMax: 40 },
    });
    expect(parseThresholdDraft({ humidity: '70', temperature: '25' }, 'C', current)).toEqual({
      ok: true,
      thresholds: { humidityMax: 70, temperatureMax: 77 },
    });
    expect(parseThresholdDraft({ humidity: ' 62,25 ', temperature: '4.4' }, 'C', current)).toEqual({
      ok: true,
      thresholds: { humidityMax: 62.3, temperatureMax: 39.9 },
    });
  });

  it('keeps a field left as shown exactly as stored', () => {
    const stored = { humidityMax: 70, temperatureMax: 39.92 };
    const draft = { ...thresholdsToDraft(stored, 'C'), humidity: '60' };
    expect(parseThresholdDraft(draft, 'C', stored)).toEqual({
      ok: true,
      thresholds: { humidityMax: 60, temperatureMax: 39.92 },
    });
  });

  it('round-trips a °C value through °F to the same text', () => {
    for (const typed of ['-40', '-12.3', '0', '4.4', '21.7', '37.5', '99.9', '100']) {
      const parsed = parseThresholdDraft({ humidity: '70', temperature: typed }, 'C', current);
      if (!parsed.ok) throw new Error(`rejected ${typed}`);
      expect(thresholdsToDraft(parsed.thresholds, 'C').temperature).toBe(typed);
    }
  });

  it('rejects what is not a number, in each field', () => {
    expect(parseThresholdDraft({ humidity: 'lots', temperature: '' }, 'F', current)).toEqual({
      ok: false,
      errors: { humidity: 'Humidity must be a number', temperature: 'Temperature must be a number' },
    });
    expect(parseThresholdDraft({ humidity: 'Infinity', temperature: '1e400' }, 'C', current).ok).toBe(false);
  });

  it('rejects values out of the protocol range, saying the range in the chosen unit', () => {
    expect(parseThresholdDraft({ humidity: '150', temperature: '86' }, 'F', current)).toEqual({
      ok: false,
      errors: { humidity: 'Humidity must be between 0 and 100 %' },
    });
    expect(parseThresholdDraft({ humidity: '-1', temperature: '212.1' }, 'F', current)).toEqual({
      ok: false,
      errors: {
        humidity: 'Humidity must be between 0 and 100 %',
        temperature: 'Temperature must be between -40 and 212 °F',
      },
    });
    expect(parseThresholdDraft({ humidity: '70', temperature: '101' }, 'C', current)).toEqual({
      ok: false,
      errors: { temperature: 'Temperature must be between -40 and 100 °C' },
    });
    expect(parseThresholdDraft({ humidity: '70', temperature: '-40.1' }, 'C', current).ok).toBe(false);
  });

  it('accepts the very ends of each range, and what it accepts the server accepts', () => {
    for (const [draft, unit] of [
      [{ humidity: '0', temperature: '-40' }, 'F'],
      [{ humidity: '100', temperature: '212' }, 'F'],
      [{ humidity: '100', temperature: '100' }, 'C'],
      [{ humidity: '0.04', temperature: '-40' }, 'C'],
    ] as const) {
      const parsed = parseThresholdDraft(draft, unit, DEFAULT_SENSOR_THRESHOLDS);
      if (!parsed.ok) throw new Error(`rejected ${JSON.stringify(draft)}`);
      expect(sensorThresholdsSchema.safeParse(parsed.thresholds).success).toBe(true);
    }
  });

  it('re-expresses a typed temperature when the unit changes', () => {
    expect(convertTypedTemperature('30', 'C', 'F')).toBe('86');
    expect(convertTypedTemperature('40', 'F', 'C')).toBe('4.4');
    expect(convertTypedTemperature('abc', 'F', 'C')).toBe('abc');
  });

  it('switches unit, converting only the typed temperature', () => {
    const shownF = thresholdsToDraft(current, 'F');
    const shownC = thresholdsToDraft(current, 'C');
    expect(switchUnit({ base: shownF, draft: shownF }, shownC, 'F', 'C').draft).toEqual(shownC);
    const edited = { base: shownF, draft: { humidity: '60', temperature: '50' } };
    expect(switchUnit(edited, shownC, 'F', 'C')).toEqual({
      base: shownC,
      draft: { humidity: '60', temperature: '10' },
    });
  });
});
