/**
 * `pnpm bench`: the floors and Huddle, side by side, under the same scenarios and load generator,
 * then the web measurements. Writes results/latest.json and results/latest.md (or quick.* with --quick).
 *
 *   --quick                 small counts and short phases: a smoke test of the bench itself
 *   --targets=ws,huddle     a subset of the targets
 *   --phases=fanout,sensor  a subset of the realtime phases (fanout, sensor, clicker, connections)
 *   --skip-web              no bundle or Chromium measurements
 *   --cpu-prof              every server (and the page in scenario 6) writes a V8 CPU profile into results/profiles/
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_ROOT, HUDDLE_ENV, REPO_ROOT } from './lib/servers.js';
import { TARGETS, type Target } from './lib/targets.js';
import { checks, markdown, type Results, ratios } from './report.js';
import { PHASES, type Phase, runTarget, type TargetResult } from './scenarios/realtime.js';
import { measureBundle, measureLongTasks } from './scenarios/web.js';
import { FULL, QUICK } from './settings.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const quick = flag('quick');
const settings = quick ? QUICK : FULL;
const targets = (option('targets')?.split(',').filter(Boolean) ?? [...TARGETS]) as Target[];
const phases = (option('phases')?.split(',') ?? PHASES) as Phase[];
const resultsDir = path.join(BENCH_ROOT, 'results');
const cpuProfDir = flag('cpu-prof') ? path.join(resultsDir, 'profiles') : undefined;
const started = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)));
const versionOf = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}: use ${TARGETS.join(', ')}`);
for (const p of phases) if (!PHASES.includes(p)) throw new Error(`unknown phase ${p}: use ${PHASES.join(', ')}`);
try {
  readFileSync(path.join(REPO_ROOT, 'apps/server/dist/index.js'));
} catch {
  throw new Error('Huddle is not built: run `pnpm build` first (`pnpm bench` does)');
}
if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });

const machine = {
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  /** The bench's scheduling priority (children inherit it): `nice -n -15 pnpm bench` on a busy machine. */
  niceness: os.getPriority(),
  loadAverageStart: loadAverage(),
  loadAverageEnd: '',
};
const versions = {
  node: process.versions.node,
  socketIo: versionOf('socket.io'),
  socketIoClient: versionOf('socket.io-client'),
  ws: versionOf('ws'),
  /** `git describe --always --dirty`: the commit measured, `-dirty` when the tree had uncommitted changes. */
  commit: git('describe', '--always', '--dirty', '--abbrev=12'),
};
log(
  `${machine.cpuModel} × ${machine.cores}, load ${machine.loadAverageStart}; Node ${versions.node}; commit ${versions.commit}`,
);

const results: Partial<Record<Target, TargetResult>> = {};
for (const target of targets) {
  results[target] = await runTarget(target, settings, log, { phases, ...(cpuProfDir ? { cpuProfDir } : {}) });
}

let web: Results['web'] = null;
let webError: string | null = null;
if (!flag('skip-web')) {
  const bundle = measureBundle();
  log(
    `web: initial JS ${bundle.initialJsGzipKb.toFixed(1)} KB gzip, CSS ${bundle.initialCssGzipKb.toFixed(1)} KB gzip`,
  );
  web = { bundle, longTasks: null };
  try {
    web.longTasks = await measureLongTasks(settings.web, log, cpuProfDir);
    log(`web: ${web.longTasks.longTasks} long tasks, longest ${web.longTasks.longestTaskMs.toFixed(0)} ms`);
  } catch (err) {
    webError = String(err instanceof Error ? err.message : err).split('\n')[0] ?? 'failed';
    log(`web: long tasks not measured: ${webError}`);
  }
}

machine.loadAverageEnd = loadAverage();
const output: Results = {
  generatedAt: new Date().toISOString(),
  wallSeconds: (performance.now() - started) / 1000,
  machine,
  versions,
  settings: { quick, targets, phases, ...settings, huddleEnv: HUDDLE_ENV },
  targets: results,
  web,
  webError,
  ratios: ratios(results),
  checks: checks(results, web),
};
const name = option('out') ?? (quick ? 'quick' : 'latest');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, `${name}.json`), `${JSON.stringify(output, null, 2)}\n`);
writeFileSync(path.join(resultsDir, `${name}.md`), markdown(output));
for (const c of output.checks)
  log(`${c.pass === null ? 'n/a ' : c.pass ? 'pass' : 'FAIL'}  ${c.target}: ${c.measured}`);
log(`wrote results/${name}.json and results/${name}.md`);
