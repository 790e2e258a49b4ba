import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where each scenario leaves its section until the run writes docs/reliability.md. */
export const SECTIONS_DIR = path.resolve(import.meta.dirname, '../../.reliability');

/** RELIABILITY_SOAK=1: the long mode (minutes per scenario instead of seconds). */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

/** A duration or count for the quick run, and the larger one for a soak run. */
export function soak<T>(quick: T, long: T): T {
  return SOAK ? long : quick;
}

export interface Section {
  /** Orders sections in the report. */
  order: number;
  title: string;
  /** What was done, in a sentence or two. */
  setup: string;
  /** Figure → value, as printed. */
  figures: Record<string, string | number>;
  /** Notes: what was lost, if anything, and why. */
  notes?: string[];
}

/** Records a scenario's figures; the suite's teardown writes them all into docs/reliability.md. */
export function recordSection(id: string, section: Section): void {
  mkdirSync(SECTIONS_DIR, { recursive: true });
  writeFileSync(path.join(SECTIONS_DIR, `${id}.json`), JSON.stringify(section, null, 2));
}

export function readSections(): Section[] {
  let files: string[] = [];
  try {
    files = readdirSync(SECTIONS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files
    .map((f) => JSON.parse(readFileSync(path.join(SECTIONS_DIR, f), 'utf8')) as Section)
    .sort((a, b) => a.order - b.order);
}

/** Percentile by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const ms = (value: number): string => `${Math.round(value)} ms`;
