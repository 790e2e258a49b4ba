import { SENSOR_RANGES, type SensorRange, type SensorThresholds } from '@huddle/protocol';
import { type ReactNode, useEffect, useId, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import { serverNow } from '../../../lib/server-time';
import { loadHistory } from '../commands';
import { useChartHistory } from '../hooks/use-chart-history';
import { type ChartSeries, toPlotColumns, valueRange } from '../lib/chart-data';
import {
  formatHumidity,
  formatLimit,
  formatTick,
  formatTime,
  fromFahrenheit,
  RANGE_DESCRIPTIONS,
  type TemperatureUnit,
  unitSymbol,
} from '../lib/format';
import { useSensorChartStore } from '../stores/sensor-chart-store';

interface SensorChartProps {
  sensorId: string | null;
  range: SensorRange;
  unit: TemperatureUnit;
  thresholds: SensorThresholds;
}

/** How often the time window slides forward when no reading arrives. */
const SLIDE_MS = 1000;
/** Shown before the first reading, so the empty axes still read as a room. */
const EMPTY_HUMIDITY: [number, number] = [30, 70];
const EMPTY_TEMPERATURE_F: [number, number] = [60, 80];

/**
 * A live uPlot chart of humidity (left axis) and temperature (right axis) with the alarm limits as
 * dashed lines. React renders the frame; the data reaches uPlot through a transient store
 * subscription, so ten updates a second redraw the canvas without rendering any component.
 */
export function SensorChart({ sensorId, range, unit, thresholds }: SensorChartProps) {
  useChartHistory(sensorId, range);
  const status = useSensorChartStore((s) => s.status);
  const error = useSensorChartStore((s) => s.error);
  const empty = useSensorChartStore((s) => s.empty);
  const dark = usePrefersDark();
  const hostRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLParagraphElement>(null);
  const drawnRef = useRef<HTMLParagraphElement>(null);
  const drawnId = useId();
  const plotRef = useRef<uPlot | null>(null);
  const thresholdsRef = useRef(thresholds);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `dark` is a trigger: the canvas takes its colours from CSS when built, so a scheme change builds it again.
  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const plot = new uPlot(
      plotOptions({
        host,
        unit,
        thresholds: () => thresholdsRef.current,
        readout: () => readoutRef.current,
        drawn: () => drawnRef.current,
      }),
      toAligned(useSensorChartStore.getState().series, unit),
      host,
    );
    plotRef.current = plot;
    const unsubscribe = useSensorChartStore.subscribe((state, previous) => {
      if (state.series !== previous.series) plot.setData(toAligned(state.series, unit));
    });
    const resize = new ResizeObserver(() => plot.setSize(sizeOf(host)));
    resize.observe(host);
    const slide = setInterval(() => {
      useSensorChartStore.getState().trim(serverNow());
      plot.setScale('x', timeWindow(useSensorChartStore.getState().series));
    }, SLIDE_MS);
    return () => {
      clearInterval(slide);
      resize.disconnect();
      unsubscribe();
      plot.destroy();
      plotRef.current = null;
    };
  }, [unit, dark]);

  useEffect(() => {
    thresholdsRef.current = thresholds;
    const plot = plotRef.current;
    // The y ranges take the limits into account: recompute them, not only the lines.
    if (plot !== null) plot.setData(toAligned(useSensorChartStore.getState().series, unit));
  }, [thresholds, unit]);

  const description = RANGE_DESCRIPTIONS[range];
  let overlay: ReactNode = null;
  if (sensorId === null) overlay = <p>The chart starts with the first reading.</p>;
  else if (status === 'error') {
    overlay = (
      <div className="sensor-chart__problem" role="alert">
        <p>Could not load the history: {error}</p>
        <button type="button" className="button button--small" onClick={() => void loadHistory(sensorId, range)}>
          Retry
        </button>
      </div>
    );
  } else if (status === 'loading' && empty) overlay = <p aria-busy="true">Loading the history…</p>;
  else if (status === 'ready' && empty) overlay = <p>No readings in the {description}.</p>;

  const symbol = unitSymbol(unit);
  return (
    <div className="sensor-chart-frame">
      <div className="sensor-chart__legend">
        <span className="sensor-chart__key sensor-chart__key--humidity">Humidity (%)</span>
        <span className="sensor-chart__key sensor-chart__key--temperature">Temperature ({symbol})</span>
        <span className="sensor-chart__key sensor-chart__key--limit">
          Alarm limits {formatLimit('humidity', thresholds.humidityMax, unit)},{' '}
          {formatLimit('temperature', thresholds.temperatureMax, unit)}
        </span>
        <p className="sensor-chart__readout" ref={readoutRef} aria-hidden="true" />
      </div>
      <div className="sensor-chart__stage">
        <div
          className="sensor-chart"
          data-testid="sensor-chart"
          role="img"
          aria-label={`Chart of humidity and temperature, ${description}`}
          aria-describedby={drawnId}
          ref={hostRef}
        />
        <p className="visually-hidden" id={drawnId} ref={drawnRef} />
        {overlay !== null && <div className="sensor-chart__overlay">{overlay}</div>}
      </div>
    </div>
  );
}

function toAligned(series: ChartSeries, unit: TemperatureUnit): uPlot.AlignedData {
  const columns = toPlotColumns(series, unit);
  return [columns.x, columns.humidity, columns.temperature];
}

function sizeOf(host: HTMLElement): { width: number; height: number } {
  return { width: Math.max(host.clientWidth, 1), height: Math.max(host.clientHeight, 1) };
}

/** The range up to now on the server clock, in seconds; a bucket centred just ahead of now stays in view. */
function timeWindow(series: ChartSeries): { min: number; max: number } {
  const { range } = useSensorChartStore.getState();
  const now = serverNow();
  const newest = series.at[series.at.length - 1] ?? now;
  return { min: (now - SENSOR_RANGES[range]) / 1000, max: Math.max(now, newest) / 1000 };
}

interface PlotContext {
  host: HTMLElement;
  unit: TemperatureUnit;
  thresholds: () => SensorThresholds;
  readout: () => HTMLElement | null;
  /** Where the chart says in words what it drew last. */
  drawn: () => HTMLElement | null;
}

function plotOptions({ host, unit, thresholds, readout, drawn }: PlotContext): uPlot.Options {
  const css = getComputedStyle(host);
  const color = (name: string) => css.getPropertyValue(name).trim();
  const humidityColor = color('--sensor-humidity');
  const temperatureColor = color('--sensor-temperature');
  const axisColor = color('--muted');
  const gridColor = color('--border');
  const font = `12px ${css.fontFamily}`;
  const symbol = unitSymbol(unit);
  const emptyTemperature = EMPTY_TEMPERATURE_F.map((f) => Math.round(fromFahrenheit(f, unit))) as [number, number];
  const axis = { stroke: axisColor, font, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } };

  return {
    ...sizeOf(host),
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: {
      x: {
        time: true,
        range: () => {
          const { min, max } = timeWindow(useSensorChartStore.getState().series);
          return [min, max];
        },
      },
      humidity: {
        range: (_u, min, max) => valueRange(min, max, thresholds().humidityMax, EMPTY_HUMIDITY),
      },
      temperature: {
        range: (_u, min, max) =>
          valueRange(min, max, fromFahrenheit(thresholds().temperatureMax, unit), emptyTemperature),
      },
    },
    series: [
      {},
      { label: 'Humidity', scale: 'humidity', stroke: humidityColor, width: 2, points: { size: 5 } },
      { label: 'Temperature', scale: 'temperature', stroke: temperatureColor, width: 2, points: { size: 5 } },
    ],
    axes: [
      {
        ...axis,
        // uPlot passes the tick step in seconds.
        values: (_u, splits, _axis, _space, step) => splits.map((s) => formatTick(s * 1000, step * 1000)),
      },
      { ...axis, scale: 'humidity', values: (_u, splits) => splits.map((v) => `${v} %`), size: 56 },
      {
        ...axis,
        scale: 'temperature',
        side: 1,
        grid: { show: false },
        values: (_u, splits) => splits.map((v) => `${v} ${symbol}`),
        size: 60,
      },
    ],
    hooks: {
      draw: [
        (u) => {
          const { humidityMax, temperatureMax } = thresholds();
          drawLimit(u, 'humidity', humidityMax, humidityColor, formatLimit('humidity', humidityMax, unit), 'left');
          drawLimit(
            u,
            'temperature',
            fromFahrenheit(temperatureMax, unit),
            temperatureColor,
            formatLimit('temperature', temperatureMax, unit),
            'right',
          );
        },
        (u) => {
          const element = drawn();
          const text = describeDrawn(u, symbol);
          if (element !== null && element.textContent !== text) element.textContent = text;
        },
      ],
      setCursor: [
        (u) => {
          const element = readout();
          if (element === null) return;
          const index = u.cursor.idx;
          const at = index == null ? undefined : u.data[0][index];
          const humidity = index == null ? undefined : u.data[1]?.[index];
          const temperature = index == null ? undefined : u.data[2]?.[index];
          element.textContent =
            at === undefined || humidity == null || temperature == null
              ? ''
              : `${formatTime(at * 1000)} · ${formatHumidity(humidity)} · ${temperature.toFixed(1)} ${symbol}`;
        },
      ],
    },
  };
}

/** What a redraw put on the canvas, for screen readers: the points inside the time window and the newest. */
function describeDrawn(u: uPlot, symbol: string): string {
  const [at, humidity, temperature] = u.data;
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = u.scales.x ?? {};
  let count = 0;
  let newest = -1;
  at.forEach((x, i) => {
    if (x < min || x > max || humidity?.[i] == null) return;
    count += 1;
    newest = i;
  });
  const x = at[newest];
  const h = humidity?.[newest];
  const t = temperature?.[newest];
  if (count === 0 || x === undefined || h == null || t == null) return 'No points drawn.';
  const points = count === 1 ? '1 point' : `${count} points`;
  return `${points} drawn, the newest ${formatHumidity(h)} and ${t.toFixed(1)} ${symbol} at ${formatTime(x * 1000)}.`;
}

function drawLimit(u: uPlot, scale: string, value: number, color: string, label: string, side: 'left' | 'right') {
  const y = u.valToPos(value, scale, true);
  const { left, top, width, height } = u.bbox;
  if (!Number.isFinite(y) || y < top || y > top + height) return;
  const ratio = window.devicePixelRatio || 1;
  const { ctx } = u;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 1.5 * ratio;
  ctx.setLineDash([6 * ratio, 4 * ratio]);
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(left + width, y);
  ctx.stroke();
  ctx.font = `600 ${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = side;
  ctx.textBaseline = 'bottom';
  ctx.fillText(`limit ${label}`, side === 'left' ? left + 4 * ratio : left + width - 4 * ratio, y - 3 * ratio);
  ctx.restore();
}

const DARK_QUERY = '(prefers-color-scheme: dark)';

function usePrefersDark(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const query = window.matchMedia(DARK_QUERY);
      query.addEventListener('change', onChange);
      return () => query.removeEventListener('change', onChange);
    },
    () => window.matchMedia(DARK_QUERY).matches,
  );
}
