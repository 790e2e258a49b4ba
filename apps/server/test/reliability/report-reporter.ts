import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { OUTPUT_DIR, readSections, SECTIONS_DIR, SOAK, scenarioId } from './report.js';
import { allPassed, renderReport, type ScenarioOutcome } from './report-writer.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');

export interface ReliabilityReporterOptions {
  /** The folder whose `*.test.ts` files are the scenarios: one not in the run is reported "not run". */
  scenariosDir: string;
  /** Where the report of every run goes (not tracked by git). */
  outputDir?: string;
  /** With RELIABILITY_PUBLISH=1, a passing run of committed code also replaces this file. */
  publishTo?: string;
}

export function gitDescribe(cwd = REPO_ROOT): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const firstLine = (message: string) => message.split('\n')[0] ?? '';

/**
 * Writes the reliability report from the run's real outcome: every scenario gets a status (passed, failed,
 * not run), a failed one keeps the figures it recorded before it stopped. The report goes to the output
 * folder on every run; docs/reliability.md is replaced only on request, by a complete passing run of
 * committed code, so the test command never modifies tracked files and a failing run never replaces a
 * passing report.
 */
export class ReliabilityReporter implements Reporter {
  private started = new Date();

  constructor(private readonly options: ReliabilityReporterOptions) {}

  onTestRunStart(): void {
    this.started = new Date();
    rmSync(SECTIONS_DIR, { recursive: true, force: true });
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<{ message?: string }>): void {
    const sections = new Map(readSections().map((s) => [s.id, s]));
    const ran = new Map(modules.map((m) => [scenarioId(m.moduleId), m]));
    const ids = readdirSync(this.options.scenariosDir)
      .filter((f) => f.endsWith('.test.ts'))
      .map(scenarioId);
    const outcomes: ScenarioOutcome[] = ids.map((id) => {
      const module = ran.get(id);
      const state = module?.state();
      const status = state === 'passed' ? 'passed' : state === 'failed' ? 'failed' : 'not run';
      const errors = module
        ? [
            ...module.errors().map((e) => firstLine(e.message)),
            ...[...module.children.allTests('failed')].flatMap((t) =>
              (t.result().errors ?? []).map((e) => `${t.fullName}: ${firstLine(e.message)}`),
            ),
          ]
        : [];
      return { id, status, errors, section: sections.get(id) };
    });
    const input = {
      describe: gitDescribe(),
      started: this.started,
      soak: SOAK,
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`,
      outcomes,
      unhandled: unhandledErrors.map((e) => firstLine(e.message ?? String(e))),
    };
    const report = renderReport(input);
    const outputDir = this.options.outputDir ?? OUTPUT_DIR;
    mkdirSync(outputDir, { recursive: true });
    const written = path.join(outputDir, 'report.md');
    writeFileSync(written, report);

    const summary = outcomes.map((o) => `  ${o.status.padEnd(7)}  ${o.section?.title ?? o.id}`).join('\n');
    console.log(
      `\nReliability scenarios (${input.describe}):\n${summary}\nReport: ${path.relative(process.cwd(), written)}`,
    );

    if (process.env.RELIABILITY_PUBLISH !== '1' || !this.options.publishTo) return;
    const refusal = !allPassed(input)
      ? 'not every scenario ran and passed'
      : input.describe.endsWith('-dirty') || input.describe === 'unknown'
        ? `the code is not a commit (${input.describe})`
        : undefined;
    if (refusal) {
      console.error(`Not publishing to ${this.options.publishTo}: ${refusal}.`);
      process.exitCode = 1;
      return;
    }
    if (!existsSync(path.dirname(this.options.publishTo)))
      mkdirSync(path.dirname(this.options.publishTo), { recursive: true });
    writeFileSync(this.options.publishTo, report);
    console.log(`Published to ${this.options.publishTo}`);
  }
}
