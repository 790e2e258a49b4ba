import { execSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSections, SECTIONS_DIR, SOAK } from './report.js';

const REPORT = path.resolve(import.meta.dirname, '../../../../docs/reliability.md');

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Starts every run with no stale sections; at the end writes what the scenarios measured. */
export default function setup() {
  rmSync(SECTIONS_DIR, { recursive: true, force: true });
  const started = new Date();
  return () => {
    const sections = readSections();
    if (sections.length === 0) return;
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const lines = [
      '# Reliability figures',
      '',
      '<!-- Written by the reliability suite (apps/server/test/reliability); do not edit by hand. -->',
      '',
      `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit()}, ${SOAK ? '**soak** mode' : 'quick mode'} ` +
        `(\`RELIABILITY_SOAK=1\` for the long run), on ${os.cpus().length} × ${cpu}, ` +
        `${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}. The servers, clients, ` +
        'PostgreSQL and Redis share the machine, so latencies include their competition.',
      '',
    ];
    for (const s of sections) {
      lines.push(`## ${s.title}`, '', s.setup, '', '| Figure | Value |', '| --- | --- |');
      for (const [k, v] of Object.entries(s.figures)) lines.push(`| ${k} | ${v} |`);
      if (s.notes?.length) lines.push('', ...s.notes.map((n) => `- ${n}`));
      lines.push('');
    }
    writeFileSync(REPORT, lines.join('\n'));
  };
}
