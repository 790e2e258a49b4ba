import { TARGET_LABEL, TARGETS, type Target } from './lib/targets.js';
import type { TargetResult } from './scenarios/realtime.js';
import type { BundleResult, LongTaskResult } from './scenarios/web.js';

export interface Results {
  generatedAt: string;
  wallSeconds: number;
  machine: Record<string, unknown>;
  versions: Record<string, unknown>;
  settings: Record<string, unknown>;
  targets: Partial<Record<Target, TargetResult>>;
  web: { bundle: BundleResult; longTasks: LongTaskResult | null } | null;
  webError: string | null;
  ratios: Ratio[];
  checks: Check[];
}

interface Metric {
  scenario: string;
  label: string;
  unit: string;
  /** Which way is better, so a reader knows whether a ratio above 1 is good. */
  better: 'higher' | 'lower';
  get(r: TargetResult): number | undefined;
}

export interface Ratio {
  scenario: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower';
  values: Partial<Record<Target, number>>;
  huddleOverWs: number | null;
  huddleOverSocketIo: number | null;
}

export interface Check {
  target: string;
  measured: string;
  limit: string;
  pass: boolean | null;
}

const conn = (r: TargetResult, n: number) => r.connections.find((c) => c.clients === n);

export const METRICS: Metric[] = [
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'deliveries/s',
    unit: '/s',
    better: 'higher',
    get: (r) => r.chat?.open.deliveriesPerSecond,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'latency p50',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.open.latencyMs.p50,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'latency p95',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.open.latencyMs.p95,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'latency p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.open.latencyMs.p99,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'latency max',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.open.latencyMs.max,
  },
  { scenario: '1. Chat fan-out, 50 msg/s', label: 'lost', unit: '', better: 'lower', get: (r) => r.chat?.open.lost },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'duplicates',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.open.duplicates,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'sender ack p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.open.ackMs.p99,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'server CPU µs per delivery',
    unit: 'µs',
    better: 'lower',
    get: (r) => (r.chat ? r.chat.open.serverCpuPerDelivery * 1e6 : undefined),
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'deliveries per server CPU-s',
    unit: '',
    better: 'higher',
    get: (r) => r.chat?.open.deliveriesPerServerCpuSecond,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'server CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.open.serverCores,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'server waiting for a CPU (share of time)',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.open.serverRunQueueWait,
  },
  {
    scenario: '1. Chat fan-out, 50 msg/s',
    label: 'load generator CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.open.loadgenCores,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'messages/s',
    unit: '/s',
    better: 'higher',
    get: (r) => r.chat?.closed.messagesPerSecond,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'deliveries/s',
    unit: '/s',
    better: 'higher',
    get: (r) => r.chat?.closed.deliveriesPerSecond,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'latency p50',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.closed.latencyMs.p50,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'latency p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.closed.latencyMs.p99,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'latency max',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.chat?.closed.latencyMs.max,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'lost',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.closed.lost,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'duplicates',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.closed.duplicates,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'deliveries per server CPU-s',
    unit: '',
    better: 'higher',
    get: (r) => r.chat?.closed.deliveriesPerServerCpuSecond,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'server CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.closed.serverCores,
  },
  {
    scenario: '1. Chat fan-out, closed loop',
    label: 'load generator CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.chat?.closed.loadgenCores,
  },
  {
    scenario: '2. Pomodoro press → all',
    label: 'last client p50',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.pomodoro?.lastClientMs.p50,
  },
  {
    scenario: '2. Pomodoro press → all',
    label: 'last client p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.pomodoro?.lastClientMs.p99,
  },
  {
    scenario: '2. Pomodoro press → all',
    label: 'presser ack p50',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.pomodoro?.ackMs.p50,
  },
  {
    scenario: '3. Sensor ingest',
    label: 'readings/s persisted',
    unit: '/s',
    better: 'higher',
    get: (r) => r.sensor?.readingsPerSecond,
  },
  {
    scenario: '3. Sensor ingest',
    label: 'ingest request p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.sensor?.requestMs.p99,
  },
  { scenario: '3. Sensor ingest', label: '429 answers', unit: '', better: 'lower', get: (r) => r.sensor?.rejected },
  {
    scenario: '3. Sensor ingest',
    label: 'updates/s per viewer',
    unit: '/s',
    better: 'lower',
    get: (r) => r.sensor?.updatesPerViewerPerSecond,
  },
  {
    scenario: '3. Sensor ingest',
    label: 'viewer latency p50',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.sensor?.viewerLatencyMs.p50,
  },
  {
    scenario: '3. Sensor ingest',
    label: 'viewer latency p99',
    unit: 'ms',
    better: 'lower',
    get: (r) => r.sensor?.viewerLatencyMs.p99,
  },
  {
    scenario: '3. Sensor ingest',
    label: 'server CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.sensor?.serverCores,
  },
  {
    scenario: '4. Clicker',
    label: 'players join storm (s)',
    unit: 's',
    better: 'lower',
    get: (r) => r.clicker?.connectSeconds,
  },
  {
    scenario: '4. Clicker',
    label: 'join storm server CPU (s)',
    unit: 's',
    better: 'lower',
    get: (r) => r.clicker?.connectServerCpuSeconds,
  },
  {
    scenario: '4. Clicker',
    label: 'clicks sent/s',
    unit: '/s',
    better: 'higher',
    get: (r) => r.clicker?.clicksPerSecond,
  },
  {
    scenario: '4. Clicker',
    label: 'credited clicks/s',
    unit: '/s',
    better: 'higher',
    get: (r) => r.clicker?.creditedPerSecond,
  },
  { scenario: '4. Clicker', label: 'ack p50', unit: 'ms', better: 'lower', get: (r) => r.clicker?.ackMs.p50 },
  { scenario: '4. Clicker', label: 'ack p99', unit: 'ms', better: 'lower', get: (r) => r.clicker?.ackMs.p99 },
  {
    scenario: '4. Clicker',
    label: 'server CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.clicker?.serverCores,
  },
  {
    scenario: '4. Clicker',
    label: 'load generator CPU (cores)',
    unit: '',
    better: 'lower',
    get: (r) => r.clicker?.loadgenCores,
  },
  {
    scenario: 'All scenarios',
    label: 'connections dropped by the server',
    unit: '',
    better: 'lower',
    get: (r) => r.dropped.count,
  },
  ...[1000, 5000].flatMap((n): Metric[] => [
    {
      scenario: `5. Connections, N = ${n}`,
      label: 'RSS per client',
      unit: 'KB',
      better: 'lower',
      get: (r) => conn(r, n)?.rssPerClientKb ?? Number.NaN,
    },
    {
      scenario: `5. Connections, N = ${n}`,
      label: 'time to connect all',
      unit: 's',
      better: 'lower',
      get: (r) => conn(r, n)?.connectSeconds ?? Number.NaN,
    },
    {
      scenario: `5. Connections, N = ${n}`,
      label: 'failed connects',
      unit: '',
      better: 'lower',
      get: (r) => conn(r, n)?.failed ?? Number.NaN,
    },
    {
      scenario: `5. Connections, N = ${n}`,
      label: 'server CPU while connecting (s)',
      unit: 's',
      better: 'lower',
      get: (r) => conn(r, n)?.serverCpuSeconds ?? Number.NaN,
    },
  ]),
];

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? null : a / b;

export function ratios(targets: Partial<Record<Target, TargetResult>>): Ratio[] {
  return METRICS.map((m) => {
    const values: Partial<Record<Target, number>> = {};
    for (const t of TARGETS) {
      const r = targets[t];
      const value = r ? m.get(r) : undefined;
      if (value !== undefined) values[t] = value;
    }
    return {
      scenario: m.scenario,
      metric: m.label,
      unit: m.unit,
      better: m.better,
      values,
      huddleOverWs: ratio(values.huddle, values.ws),
      huddleOverSocketIo: ratio(values.huddle, values.socketio),
    };
  });
}

const fmt = (n: number | null | undefined, digits = 1) => {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(Math.abs(n) < 10 && digits > 0 ? Math.max(digits, 2) : digits);
};

export function checks(targets: Partial<Record<Target, TargetResult>>, web: Results['web']): Check[] {
  const { ws, socketio, huddle } = targets;
  const out: Check[] = [];
  const add = (target: string, measured: string, limit: string, pass: boolean | null) =>
    out.push({ target, measured, limit, pass });
  const notMeasured = (target: string, limit: string) => add(target, 'not measured', limit, null);

  const o = huddle?.chat?.open;
  const lossTarget = 'Chat 50 msg/s × 1,000: zero loss, zero duplicates';
  if (o) add(lossTarget, `lost ${o.lost}, duplicates ${o.duplicates}`, '0 and 0', o.lost === 0 && o.duplicates === 0);
  else notMeasured(lossTarget, '0 and 0');

  const sio = socketio?.chat?.open.latencyMs.p99;
  const p99Target = 'Chat p99 ≤ 1.0 × plain Socket.IO p99';
  if (o && sio !== undefined) {
    add(
      p99Target,
      `${fmt(o.latencyMs.p99)} ms = ${fmt(ratio(o.latencyMs.p99, sio), 2)} ×`,
      `≤ ${fmt(sio)} ms (1.0 ×)`,
      o.latencyMs.p99 <= sio,
    );
  } else notMeasured(p99Target, '1.0 ×');

  const wsEff = ws?.chat?.open.deliveriesPerServerCpuSecond;
  const effTarget = 'Chat deliveries per server CPU-s ≥ 0.85 × raw ws';
  if (o && wsEff !== undefined) {
    add(
      effTarget,
      `${fmt(o.deliveriesPerServerCpuSecond, 0)} = ${fmt(ratio(o.deliveriesPerServerCpuSecond, wsEff), 2)} ×`,
      `≥ ${fmt(wsEff * 0.85, 0)} (0.85 ×)`,
      o.deliveriesPerServerCpuSecond >= 0.85 * wsEff,
    );
  } else notMeasured(effTarget, '0.85 ×');

  const c1000 = huddle ? conn(huddle, 1000) : undefined;
  const memTarget = 'Memory ≤ 24 KB per authenticated client at N = 1,000';
  if (c1000) add(memTarget, `${fmt(c1000.rssPerClientKb)} KB`, '≤ 24 KB', c1000.rssPerClientKb <= 24);
  else notMeasured(memTarget, '≤ 24 KB');

  const pHuddle = huddle?.pomodoro?.lastClientMs.p99;
  const pSio = socketio?.pomodoro?.lastClientMs.p99;
  const pomTarget = 'Pomodoro press seen by all 1,000: p99 ≤ 1.2 × plain Socket.IO';
  if (pHuddle !== undefined && pSio !== undefined && huddle?.pomodoro?.incomplete === 0) {
    add(
      pomTarget,
      `${fmt(pHuddle)} ms = ${fmt(ratio(pHuddle, pSio), 2)} ×`,
      `≤ ${fmt(pSio * 1.2)} ms (1.2 ×)`,
      pHuddle <= 1.2 * pSio,
    );
  } else if (huddle?.pomodoro?.incomplete) {
    add(pomTarget, `${huddle.pomodoro.incomplete} presses never reached every client`, '1.2 ×', false);
  } else notMeasured(pomTarget, '1.2 ×');

  if (web) {
    add(
      'Initial JS ≤ 150 KB gzip',
      `${fmt(web.bundle.initialJsGzipKb)} KB`,
      '≤ 150 KB',
      web.bundle.initialJsGzipKb <= 150,
    );
    const lt = web.longTasks;
    add(
      'No long task over 50 ms during the sensor stream',
      lt ? `${lt.longTasks} long tasks, longest ${fmt(lt.longestTaskMs, 0)} ms` : 'not measured',
      '0 tasks > 50 ms',
      lt ? lt.longTasks === 0 : null,
    );
  }
  return out;
}

export function markdown(results: Results): string {
  const lines: string[] = [];
  const m = results.machine;
  const v = results.versions;
  lines.push('# Huddle benchmark — latest run', '');
  lines.push(
    `${results.generatedAt} · ${m.cpuModel} × ${m.cores} cores, ${m.memoryGb} GB RAM · Node ${v.node}, socket.io ${v.socketIo}, socket.io-client ${v.socketIoClient}, ws ${v.ws} · commit \`${v.commit}\` (\`git describe --always --dirty\`) · load average ${m.loadAverageStart} at start, ${m.loadAverageEnd} at end · ${fmt(results.wallSeconds, 0)} s`,
    '',
    'Ratios are Huddle ÷ floor, measured in the same run: compare those across runs, not absolute times. ' +
      'See `bench/README.md` for what each figure means and for the findings.',
    '',
  );
  const problems = TARGETS.flatMap((t) => {
    const r = results.targets[t];
    if (!r) return [];
    const drops = r.dropped.count
      ? [
          `${TARGET_LABEL[t]}: the server dropped ${r.dropped.count} bench connections (${JSON.stringify(r.dropped.reasons)})`,
        ]
      : [];
    return [...r.errors.map((e) => `${TARGET_LABEL[t]}: ${e}`), ...drops];
  });
  if (results.webError) problems.push(`web: ${results.webError}`);
  if (problems.length) {
    lines.push('## Problems in this run', '', ...problems.map((p) => `- ${p}`), '');
  }
  lines.push('## Targets', '', '| Target | Measured | Limit | Result |', '| --- | --- | --- | --- |');
  for (const c of results.checks) {
    lines.push(
      `| ${c.target} | ${c.measured} | ${c.limit} | ${c.pass === null ? 'not measured' : c.pass ? '**pass**' : '**FAIL**'} |`,
    );
  }
  lines.push('');
  let scenario = '';
  for (const r of results.ratios) {
    if (r.scenario !== scenario) {
      scenario = r.scenario;
      lines.push(
        `## ${scenario}`,
        '',
        `| Metric | ${TARGETS.map((t) => TARGET_LABEL[t]).join(' | ')} | Huddle / ws | Huddle / Socket.IO |`,
        '| --- | ---: | ---: | ---: | ---: | ---: |',
      );
    }
    const unit = r.unit && r.unit !== '/s' ? ` (${r.unit})` : r.unit === '/s' ? '' : '';
    lines.push(
      `| ${r.metric}${unit} ${r.better === 'higher' ? '↑' : '↓'} | ${TARGETS.map((t) => fmt(r.values[t])).join(' | ')} | ${fmt(r.huddleOverWs, 2)} | ${fmt(r.huddleOverSocketIo, 2)} |`,
    );
    const next = results.ratios[results.ratios.indexOf(r) + 1];
    if (!next || next.scenario !== scenario) lines.push('');
  }
  if (results.web) {
    const { bundle, longTasks } = results.web;
    lines.push('## 6. Web', '', '| File | Raw (KB) | gzip (KB) |', '| --- | ---: | ---: |');
    for (const f of bundle.files) lines.push(`| ${f.file} | ${fmt(f.bytes / 1024)} | ${fmt(f.gzipBytes / 1024)} |`);
    lines.push(
      `| **initial JS** | ${fmt(bundle.initialJsKb)} | **${fmt(bundle.initialJsGzipKb)}** |`,
      `| **initial CSS** | | **${fmt(bundle.initialCssGzipKb)}** |`,
      '',
    );
    if (longTasks) {
      lines.push(
        '| Sensor stream in headless Chromium | Value |',
        '| --- | ---: |',
        `| readings/s stored (for ${fmt(longTasks.durationSeconds, 0)} s) | ${fmt(longTasks.readingsPerSecond)} |`,
        `| long tasks (> 50 ms) | ${longTasks.longTasks} |`,
        `| longest task (ms) | ${fmt(longTasks.longestTaskMs, 0)} |`,
        `| total long-task time (ms) | ${fmt(longTasks.totalLongTaskMs, 0)} |`,
        `| chart drawn, rows in "Last 10 values" | ${longTasks.chartDrawn ? 'yes' : 'no'}, ${longTasks.tableRows} |`,
        '',
      );
    }
  }
  lines.push('## Settings', '', '```json', JSON.stringify(results.settings, null, 2), '```', '');
  return lines.join('\n');
}
