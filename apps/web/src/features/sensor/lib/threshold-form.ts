import { SENSOR_LIMITS, type SensorThresholds } from '@huddle/protocol';
import { isEdited, type SharedDraft } from '../../../lib/shared-draft';
import {
  formatPlain,
  fromFahrenheit,
  roundTo,
  type TemperatureUnit,
  temperatureLimits,
  toFahrenheit,
  unitSymbol,
} from './format';

/** The thresholds form as typed: humidity in %, temperature in the unit the viewer chose. */
export interface ThresholdDraft {
  humidity: string;
  temperature: string;
}

export type ThresholdField = keyof ThresholdDraft;
export type ThresholdErrors = Partial<Record<ThresholdField, string>>;

export type ParsedThresholds = { ok: true; thresholds: SensorThresholds } | { ok: false; errors: ThresholdErrors };

/** Which form field a server error about `field` belongs to. */
export const FIELD_OF_SETTING: Readonly<Record<string, ThresholdField>> = {
  humidityMax: 'humidity',
  temperatureMax: 'temperature',
};

export function thresholdsToDraft(thresholds: SensorThresholds, unit: TemperatureUnit): ThresholdDraft {
  return {
    humidity: formatPlain(thresholds.humidityMax),
    temperature: formatPlain(fromFahrenheit(thresholds.temperatureMax, unit)),
  };
}

/**
 * Checks the typed thresholds against the protocol's ranges, in the unit they were typed in, and
 * converts them to the command payload (°F). Thresholds are shown to one decimal everywhere, so a
 * new one is stored at one decimal too: the limit on screen is the limit the server applies. A field
 * left as shown keeps its stored value exactly, so saving one field never nudges the other.
 */
export function parseThresholdDraft(
  draft: ThresholdDraft,
  unit: TemperatureUnit,
  current: SensorThresholds,
): ParsedThresholds {
  const shown = thresholdsToDraft(current, unit);
  const errors: ThresholdErrors = {};

  let humidityMax = current.humidityMax;
  if (draft.humidity !== shown.humidity) {
    const { min, max } = SENSOR_LIMITS.humidity;
    const value = parseNumber(draft.humidity);
    if (Number.isNaN(value)) errors.humidity = 'Humidity must be a number';
    else if (value < min || value > max) errors.humidity = `Humidity must be between ${min} and ${max} %`;
    else humidityMax = roundTo(value, 1);
  }

  let temperatureMax = current.temperatureMax;
  if (draft.temperature !== shown.temperature) {
    const { min, max } = temperatureLimits(unit);
    const value = parseNumber(draft.temperature);
    if (Number.isNaN(value)) errors.temperature = 'Temperature must be a number';
    else if (value < min || value > max) {
      errors.temperature = `Temperature must be between ${formatPlain(min)} and ${formatPlain(max)} ${unitSymbol(unit)}`;
    } else temperatureMax = roundTo(toFahrenheit(value, unit), 1);
  }

  if (errors.humidity !== undefined || errors.temperature !== undefined) return { ok: false, errors };
  return { ok: true, thresholds: { humidityMax, temperatureMax } };
}

/** Re-expresses a typed temperature in another unit; text that is not a number stays as typed. */
export function convertTypedTemperature(text: string, from: TemperatureUnit, to: TemperatureUnit): string {
  const value = parseNumber(text);
  if (from === to || Number.isNaN(value)) return text;
  return formatPlain(fromFahrenheit(toFahrenheit(value, from), to));
}

/** Accepts a decimal comma; empty or anything else that is not a finite number is NaN. */
function parseNumber(text: string): number {
  const trimmed = text.trim().replace(',', '.').replace('−', '-');
  if (trimmed === '') return Number.NaN;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : Number.NaN;
}

/**
 * The form after the unit changed: unedited fields show the space's thresholds in the new unit
 * (`incoming`), and a typed temperature is re-expressed in it rather than silently reinterpreted.
 */
export function switchUnit(
  state: SharedDraft<ThresholdField>,
  incoming: ThresholdDraft,
  from: TemperatureUnit,
  to: TemperatureUnit,
): SharedDraft<ThresholdField> {
  return {
    base: incoming,
    draft: {
      humidity: isEdited(state, 'humidity') ? state.draft.humidity : incoming.humidity,
      temperature: isEdited(state, 'temperature')
        ? convertTypedTemperature(state.draft.temperature, from, to)
        : incoming.temperature,
    },
  };
}
