import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the suite keeps its output: each scenario's section (while it runs) and the written report.
 * RELIABILITY_OUTPUT_DIR moves it (the report writer's own test runs a suite of its own there).
 */
export const OUTPUT_DIR = process.env.RELIABILITY_OUTPUT_DIR ?? path.resolve(import.meta.dirname, '../../.reliability');
export const SECTIONS_DIR = path.join(OUTPUT_DIR, 'sections');

/** RELIABILITY_SOAK=1: the long mode (minutes per scenario instead of seconds). */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

/** A duration or count for the quick run, and the larger one for a soak run. */
export function soak<T>(quick: T, long: T): T {
  return SOAK ? long : quick;
}

export interface ScenarioInfo {
  /** Orders sections in the report. */
  order: number;
  title: string;
  /** What was done, in a sentence or two. */
  setup: string;
}

/**
 * One row of a section. `measured`: a figure read off the run, printed as it was. `asserted`: a figure a
 * check in the test enforces; printed with that label, and with the failure when the check did not hold.
 */
export interface Row {
  name: string;
  value: string;
  kind: 'measured' | 'asserted';
  failed?: string;
}

export interface SectionData extends ScenarioInfo {
  /** The scenario's test file name without `.test.ts`: the report pairs it with that file's result. */
  id: string;
  rows: Row[];
  notes: string[];
}

/**
 * A scenario's section of the report, saved after every change: a scenario that fails half-way still
 * leaves what it measured up to the failure, and the report marks it FAILED.
 */
export class Scenario {
  private readonly data: SectionData;

  constructor(id: string, info: ScenarioInfo) {
    this.data = { id, ...info, rows: [], notes: [] };
    this.save();
  }

  /** A figure read off the run (a latency, a count), printed as measured. */
  measured(name: string, value: string | number): void {
    this.put({ name, value: String(value), kind: 'measured' });
  }

  /**
   * A figure together with the check that enforces it: the value is recorded first, then `check` runs
   * (an `expect`); if it throws, the row is marked failed with the message and the error propagates.
   */
  asserted<T>(name: string, value: T, check: (value: T) => void, shown: string | number = String(value)): void {
    const row: Row = { name, value: String(shown), kind: 'asserted' };
    this.put(row);
    try {
      check(value);
    } catch (error) {
      row.failed = firstLine(error);
      this.save();
      throw error;
    }
  }

  /** A sentence under the figures: what a figure means, what was lost and why. */
  note(text: string): void {
    this.data.notes.push(text);
    this.save();
  }

  private put(row: Row): void {
    const index = this.data.rows.findIndex((r) => r.name === row.name);
    if (index === -1) this.data.rows.push(row);
    else this.data.rows[index] = row;
    this.save();
  }

  private save(): void {
    mkdirSync(SECTIONS_DIR, { recursive: true });
    writeFileSync(path.join(SECTIONS_DIR, `${this.data.id}.json`), JSON.stringify(this.data, null, 2));
  }
}

/** Starts the section of the scenario in `file` (pass `import.meta.filename`). */
export function scenario(file: string, info: ScenarioInfo): Scenario {
  return new Scenario(scenarioId(file), info);
}

export function scenarioId(file: string): string {
  return path.basename(file).replace(/\.test\.ts$/, '');
}

export function readSections(dir = SECTIONS_DIR): SectionData[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SectionData);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 300) ?? '';
}

/** Percentile by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const ms = (value: number): string => `${Math.round(value)} ms`;
