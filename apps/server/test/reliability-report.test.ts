import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';
import { gitDescribe } from './reliability/report-reporter.js';

// The reliability report is written by a Vitest reporter from the run's real outcome. This runs a
// small suite of its own (test/reliability/fixture: one scenario holds, one breaks an asserted figure,
// one is left out by a filter) in a child Vitest and reads what it wrote.
const SERVER_DIR = path.resolve(import.meta.dirname, '..');
const VITEST = path.join(SERVER_DIR, 'node_modules/.bin/vitest');
const FIXTURE_CONFIG = 'test/reliability/fixture/vitest.config.ts';

interface Run {
  code: number;
  output: string;
  report: string;
}

function runFixture(filters: string[], env: Record<string, string> = {}): Promise<Run> {
  const out = tempDir('huddle-report-');
  return new Promise((resolve) => {
    execFile(
      VITEST,
      ['run', '--config', FIXTURE_CONFIG, ...filters],
      { cwd: SERVER_DIR, env: { ...process.env, ...env, RELIABILITY_OUTPUT_DIR: out.dir }, timeout: 60_000 },
      (error, stdout, stderr) => {
        let report = '';
        try {
          report = readFileSync(path.join(out.dir, 'report.md'), 'utf8');
        } catch {
          // No report written: the assertions on it fail, with the child's output beside them.
        }
        out.remove();
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}`, report });
      },
    );
  });
}

describe('reliability report', () => {
  it('marks a failed scenario FAILED with the figures it recorded and the failed check, and one left out "not run"', async () => {
    const run = await runFixture(['holds', 'breaks']);
    expect(run.code).not.toBe(0);
    expect(run.report).toContain(`on commit \`${gitDescribe()}\``);
    expect(run.report).toContain('**Not a passing run:** 1 passed, 1 failed, 1 not run.');
    expect(run.report).toMatch(/\| A scenario that holds \| passed \|/);
    expect(run.report).toMatch(/\| A scenario that breaks \| \*\*FAILED\*\* \|/);
    expect(run.report).toMatch(/\| left-out \| not run \|/);

    const failed = run.report.slice(run.report.indexOf('## FAILED: A scenario that breaks'));
    expect(failed).toContain('## FAILED: A scenario that breaks');
    expect(failed).toContain('> loses nothing: messages lost: expected 1 to be +0 // Object.is equality');
    expect(failed).toContain('| Messages sent | 10 | measured |');
    expect(failed).toContain(
      '| Messages lost | 1 | asserted, **FAILED**: messages lost: expected 1 to be +0 // Object.is equality |',
    );
    expect(failed).not.toContain('Never reached');
    expect(run.report).toContain('| Lost | 0 | asserted |');
  }, 60_000);

  it('never replaces the published report with a failing run', async () => {
    const published = tempDir('huddle-published-');
    const target = path.join(published.dir, 'reliability.md');
    writeFileSync(target, 'the last passing report');
    const run = await runFixture(['holds', 'breaks'], { RELIABILITY_PUBLISH: '1', RELIABILITY_PUBLISH_TO: target });
    expect(run.output).toContain('Not publishing');
    expect(readFileSync(target, 'utf8')).toBe('the last passing report');
    published.remove();
  }, 60_000);

  it('publishes a complete passing run, and only of committed code', async () => {
    const published = tempDir('huddle-published-');
    const target = path.join(published.dir, 'reliability.md');
    writeFileSync(target, 'the last passing report');
    const run = await runFixture([], { FIXTURE_LOST: '0', RELIABILITY_PUBLISH: '1', RELIABILITY_PUBLISH_TO: target });
    expect(run.report).toContain('**All 3 scenarios passed.**');
    const commit = gitDescribe();
    if (commit.endsWith('-dirty') || commit === 'unknown') {
      expect(run.output).toContain('Not publishing');
      expect(run.code).not.toBe(0);
      expect(readFileSync(target, 'utf8')).toBe('the last passing report');
    } else {
      expect(run.code).toBe(0);
      expect(readFileSync(target, 'utf8')).toBe(run.report);
    }
    published.remove();
  }, 60_000);
});
