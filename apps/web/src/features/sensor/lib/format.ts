import {
  celsiusToFahrenheit,
  fahrenheitToCelsius,
  SENSOR_LIMITS,
  type SensorQuantity,
  type SensorRange,
  type SensorStatus,
} from '@huddle/protocol';

/** How temperatures are shown; the protocol always carries °F. */
export type TemperatureUnit = 'F' | 'C';

export const TEMPERATURE_UNITS: readonly TemperatureUnit[] = ['F', 'C'];

export function unitSymbol(unit: TemperatureUnit): string {
  return unit === 'F' ? '°F' : '°C';
}

/** A °F value in the given unit. */
export function fromFahrenheit(fahrenheit: number, unit: TemperatureUnit): number {
  return unit === 'F' ? fahrenheit : fahrenheitToCelsius(fahrenheit);
}

/** A value in the given unit, in °F. */
export function toFahrenheit(value: number, unit: TemperatureUnit): number {
  return unit === 'F' ? value : celsiusToFahrenheit(value);
}

/** The protocol's temperature range, in the given unit (−40…212 °F is −40…100 °C). */
export function temperatureLimits(unit: TemperatureUnit): { min: number; max: number } {
  const { min, max } = SENSOR_LIMITS.temperatureF;
  return { min: fromFahrenheit(min, unit), max: fromFahrenheit(max, unit) };
}

/** Rounds to `digits` decimals without ever producing "-0". */
export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  return rounded === 0 ? 0 : rounded;
}

/** A reading: always one decimal, so columns of values line up ("45.0 %"). */
export function formatHumidity(humidity: number, digits = 1): string {
  return `${roundTo(humidity, digits).toFixed(digits)} %`;
}

export function formatTemperature(fahrenheit: number, unit: TemperatureUnit, digits = 1): string {
  return `${roundTo(fromFahrenheit(fahrenheit, unit), digits).toFixed(digits)} ${unitSymbol(unit)}`;
}

/** A number as short as it can be at one decimal: 70 → "70", 4.444 → "4.4". */
export function formatPlain(value: number): string {
  return String(roundTo(value, 1));
}

/** A threshold: a setting the user typed, so no padding zero ("86 °F", "30 °C", "4.4 °C"). */
export function formatLimit(quantity: SensorQuantity, value: number, unit: TemperatureUnit): string {
  return quantity === 'humidity'
    ? `${formatPlain(value)} %`
    : `${formatPlain(fromFahrenheit(value, unit))} ${unitSymbol(unit)}`;
}

/** Local wall-clock time of a reading, hh:mm:ss on a 24-hour clock. */
export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
}

/** A time-axis tick: seconds only when ticks are less than a minute apart, same 24-hour clock as the table. */
export function formatTick(at: number, stepMs: number): string {
  const date = new Date(at);
  if (stepMs >= 86_400_000) return date.toLocaleDateString([], { month: 'short', day: 'numeric' });
  return date.toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    ...(stepMs < 60_000 ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
  });
}

const JUST_NOW_MS = 5000;

/** How long ago a reading was taken; a device clock slightly ahead of the server counts as now. */
export function formatAge(ageMs: number): string {
  if (ageMs < JUST_NOW_MS) return 'just now';
  const seconds = Math.floor(ageMs / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

export const RANGE_LABELS: Readonly<Record<SensorRange, string>> = {
  '5m': '5 min',
  '1h': '1 h',
  '24h': '24 h',
};

export const RANGE_DESCRIPTIONS: Readonly<Record<SensorRange, string>> = {
  '5m': 'last 5 minutes',
  '1h': 'last hour',
  '24h': 'last 24 hours',
};

/** The status line of a sensor, naming every breached limit in the chosen unit. */
export function formatStatus(status: SensorStatus, unit: TemperatureUnit): string {
  switch (status.level) {
    case 'no-data':
      return 'No readings yet';
    case 'ok':
      return 'All readings within limits';
    case 'alarm':
      return `Alarm: ${status.breaches
        .map(({ quantity, value, limit }) => {
          const shownLimit = formatLimit(quantity, limit, unit);
          // A value just above its limit could round to the same text; a second decimal tells them apart.
          let shownValue = formatQuantity(quantity, value, unit, 1);
          if (parseFloat(shownValue) === parseFloat(shownLimit)) shownValue = formatQuantity(quantity, value, unit, 2);
          return `${quantity} ${shownValue} is above the ${shownLimit} limit`;
        })
        .join(' and ')}`;
  }
}

function formatQuantity(quantity: SensorQuantity, value: number, unit: TemperatureUnit, digits: number): string {
  return quantity === 'humidity' ? formatHumidity(value, digits) : formatTemperature(value, unit, digits);
}
