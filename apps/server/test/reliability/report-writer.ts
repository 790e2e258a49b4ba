import type { SectionData } from './report.js';

export type ScenarioStatus = 'passed' | 'failed' | 'not run';

export interface ScenarioOutcome {
  id: string;
  status: ScenarioStatus;
  /** First lines of what failed: test names with their error, or a hook's error. */
  errors: string[];
  /** What the scenario recorded, if it got as far as starting its section. */
  section?: SectionData;
}

export interface ReportInput {
  /** `git describe --always --dirty` of the code the run measured. */
  describe: string;
  started: Date;
  soak: boolean;
  /** The machine, in a phrase: cores, CPU, memory, Node. */
  machine: string;
  outcomes: ScenarioOutcome[];
  /** Errors outside any scenario (an unhandled rejection, a crashed worker). */
  unhandled: string[];
}

const STATUS_MARK: Record<ScenarioStatus, string> = { passed: 'passed', failed: '**FAILED**', 'not run': 'not run' };

export function allPassed(input: Pick<ReportInput, 'outcomes' | 'unhandled'>): boolean {
  return input.unhandled.length === 0 && input.outcomes.every((o) => o.status === 'passed');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, '<br>');

/** docs/reliability.md: a status line per scenario, then each scenario's figures, failed ones marked. */
export function renderReport(input: ReportInput): string {
  const ordered = [...input.outcomes].sort(
    (a, b) =>
      (a.section?.order ?? Number.MAX_SAFE_INTEGER) - (b.section?.order ?? Number.MAX_SAFE_INTEGER) ||
      a.id.localeCompare(b.id),
  );
  const counts = (status: ScenarioStatus) => ordered.filter((o) => o.status === status).length;
  const verdict = allPassed(input)
    ? `**All ${ordered.length} scenarios passed.**`
    : `**Not a passing run:** ${counts('passed')} passed, ${counts('failed')} failed, ${counts('not run')} not run` +
      `${input.unhandled.length ? `, ${input.unhandled.length} errors outside any scenario` : ''}.`;
  const lines = [
    '# Reliability figures',
    '',
    '<!-- Written by the reliability suite (apps/server/test/reliability); do not edit by hand. -->',
    '',
    `Measured ${input.started.toISOString().slice(0, 16).replace('T', ' ')} UTC on commit \`${input.describe}\` ` +
      `(\`git describe --always --dirty\`), ${input.soak ? '**soak** mode' : 'quick mode'} (\`RELIABILITY_SOAK=1\` for the ` +
      `long run), on ${input.machine}. The servers, clients, PostgreSQL and Redis share the machine, so latencies ` +
      'include their competition.',
    '',
    'A figure is _measured_ (read off the run and printed as it was) or _asserted_ (a check in the test enforces it; ' +
      'the run fails when it does not hold).',
    '',
    verdict,
    '',
    '| Scenario | Status |',
    '| --- | --- |',
    ...ordered.map((o) => `| ${cell(o.section?.title ?? o.id)} | ${STATUS_MARK[o.status]} |`),
    '',
  ];
  for (const message of input.unhandled) lines.push(`- Error outside any scenario: ${cell(message)}`);
  if (input.unhandled.length) lines.push('');
  for (const o of ordered) {
    const title = o.section?.title ?? o.id;
    lines.push(`## ${o.status === 'failed' ? `FAILED: ${title}` : title}`, '');
    if (o.status === 'not run') {
      lines.push('Not run in this run.', '');
      continue;
    }
    if (o.status === 'failed') {
      lines.push('This scenario failed; the figures below are what it recorded before it stopped.', '');
      for (const e of o.errors) lines.push(`> ${cell(e)}`, '>');
      if (o.errors.length) lines.pop();
      lines.push('');
    }
    if (!o.section) {
      lines.push('No figures recorded.', '');
      continue;
    }
    lines.push(o.section.setup, '');
    if (o.section.rows.length) {
      lines.push('| Figure | Value | Kind |', '| --- | --- | --- |');
      for (const r of o.section.rows) {
        const kind = r.failed ? `asserted, **FAILED**: ${r.failed}` : r.kind;
        lines.push(`| ${cell(r.name)} | ${cell(r.value)} | ${cell(kind)} |`);
      }
    }
    if (o.section.notes.length) lines.push('', ...o.section.notes.map((n) => `- ${n}`));
    lines.push('');
  }
  return lines.join('\n');
}
