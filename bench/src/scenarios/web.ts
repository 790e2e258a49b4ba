/**
 * Scenario 6: the production bundle's initial size, and main-thread long tasks in headless Chromium
 * while the sensor board's chart receives readings from a device through the real ingest API.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { REPO_ROOT, startServer } from '../lib/servers.js';
import { BENCH_SPACE } from '../lib/targets.js';
import { joinHuddle } from '../loadgen/client.js';
import { startWorker } from '../loadgen/pool.js';
import type { Settings } from '../settings.js';

export interface BundleResult {
  files: { file: string; kind: 'js' | 'css'; bytes: number; gzipBytes: number }[];
  initialJsGzipKb: number;
  initialCssGzipKb: number;
  initialJsKb: number;
}

export interface LongTaskResult {
  durationSeconds: number;
  readingsStored: number;
  readingsPerSecond: number;
  rejected: number;
  /** Rows the page's "Last 10 values" table showed at the end (proof the board was live). */
  tableRows: number;
  chartDrawn: boolean;
  longTasks: number;
  longestTaskMs: number;
  totalLongTaskMs: number;
}

const WEB_DIST = path.join(REPO_ROOT, 'apps/web/dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** JS and CSS that index.html loads before the first paint (entry script, module preloads, stylesheets). */
export function measureBundle(): BundleResult {
  const html = readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
  const refs = [
    ...[...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]),
    ...[...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1]),
    ...[...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]),
  ].filter((r): r is string => r !== undefined);
  const files = [...new Set(refs)].map((ref) => {
    const content = readFileSync(path.join(WEB_DIST, ref.replace(/^\//, '')));
    return {
      file: ref,
      kind: ref.endsWith('.css') ? ('css' as const) : ('js' as const),
      bytes: content.length,
      gzipBytes: gzipSync(content).length,
    };
  });
  const total = (kind: 'js' | 'css', key: 'bytes' | 'gzipBytes') =>
    files.filter((f) => f.kind === kind).reduce((s, f) => s + f[key], 0) / 1024;
  return {
    files,
    initialJsGzipKb: total('js', 'gzipBytes'),
    initialCssGzipKb: total('css', 'gzipBytes'),
    initialJsKb: total('js', 'bytes'),
  };
}

/**
 * With `cpuProfDir`, the page's main thread is profiled (CDP) for the whole stream and the profile
 * written there as web-<time>.cpuprofile: the same format as the servers', for profile-summary.ts.
 */
export async function measureLongTasks(
  settings: Settings['web'],
  log: (s: string) => void,
  cpuProfDir?: string,
): Promise<LongTaskResult> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const server = await startServer('huddle');
  const device = startWorker('web-device');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    // Long tasks are buffered from the start; the window that counts opens when the device starts.
    // Runs in the page (as text: the page's types are not this process's).
    await page.addInitScript({
      content: `window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });`,
    });
    // The space is started (open) by an owner of its own, who reads the device token; the viewer joins by link.
    const ownerToken = (await joinHuddle(server.url, 'bench-owner')).token;
    await page.goto(`/s/${BENCH_SPACE}`);
    await page.getByLabel('Your name').fill('Viewer');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();

    await device.call({ cmd: 'prepare', target: 'huddle', url: server.url, prefix: 'device', count: 1, users: 1 });
    await device.call({ cmd: 'connect', concurrency: 1 });
    // The first readings create the sensor; the board then shows it and the chart loads its history.
    await device.call({
      cmd: 'ingest',
      durationMs: 1000,
      batch: settings.batch,
      concurrency: 1,
      perSecond: settings.readingsPerSecond,
      ownerToken,
    });
    await page.locator('.sensor-chart-section canvas').first().waitFor({ timeout: 15_000 });
    await sleep(1000);

    const cdp = cpuProfDir ? await page.context().newCDPSession(page) : undefined;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const windowStart = await page.evaluate<number>('performance.now()');
    log(`web: ${settings.readingsPerSecond} readings/s for ${settings.durationMs / 1000} s into the sensor board`);
    const ingest = await device.call(
      {
        cmd: 'ingest',
        durationMs: settings.durationMs,
        batch: settings.batch,
        concurrency: 1,
        perSecond: settings.readingsPerSecond,
        ownerToken,
      },
      settings.durationMs + 60_000,
    );
    await sleep(500);
    if (cdp && cpuProfDir) {
      const { profile } = await cdp.send('Profiler.stop');
      mkdirSync(cpuProfDir, { recursive: true });
      writeFileSync(path.join(cpuProfDir, `web-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
    const tasks = await page.evaluate<{ start: number; duration: number }[]>(
      `window.__longTasks.filter((t) => t.start >= ${windowStart})`,
    );
    const tableRows = await page.getByRole('table', { name: 'Last 10 values' }).locator('tbody tr').count();
    const chartDrawn = (await page.locator('.sensor-chart-section canvas').count()) > 0;
    return {
      durationSeconds: ingest.durationMs / 1000,
      readingsStored: ingest.stored,
      readingsPerSecond: ingest.stored / (ingest.durationMs / 1000),
      rejected: ingest.rejected,
      tableRows,
      chartDrawn,
      longTasks: tasks.length,
      longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
      totalLongTaskMs: tasks.reduce((s, t) => s + t.duration, 0),
    };
  } finally {
    await browser.close();
    await device.stop();
    await server.stop();
  }
}
