/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, or `pnpm bench --cpu-prof`): self time by package
 * or source file, and the functions with the most self time.
 *
 *   node --import tsx src/profile-summary.ts results/profiles/huddle-…/ [top]
 *
 * Given a directory, it reads the profile with the most busy time in it: the main thread's (a floor
 * started through tsx also leaves its loader thread's, nearly idle).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [input, topArg] = process.argv.slice(2);
if (!input) throw new Error('usage: profile-summary <file.cpuprofile | directory> [top]');
const top = Number(topArg ?? 25);

const load = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Profile;
/** Sampled time outside the idle node. */
function busyUs(p: Profile): number {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return p.samples.reduce((s, id, i) => (idle.has(id) ? s : s + (p.timeDeltas[i] ?? 0)), 0);
}
const candidates = statSync(input).isDirectory()
  ? readdirSync(input)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(input, f))
  : [input];
const [file, profile] = candidates.map((f) => [f, load(f)] as const).sort((a, b) => busyUs(b[1]) - busyUs(a[1]))[0] ?? [
  '',
  undefined,
];
if (!profile) throw new Error(`no .cpuprofile in ${input}`);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

/** A package name from node_modules, the app's own source file, or a V8 pseudo-frame. */
function owner(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*?\/(apps|packages|bench)\//, '$1/');
}

const groups = new Map<string, number>();
const functions = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const o = owner(url, functionName);
  groups.set(o, (groups.get(o) ?? 0) + us);
  const key = `${functionName || '(anonymous)'}  ${o}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busyUs(profile) / 1e6).toFixed(1)} s busy`);
show('Self time by package / file', groups);
show('Self time by function', functions);
