import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, commands } from '../events.js';
import type { Permission } from '../schemas/space.js';

/** How the README's permission table shows each permission: owner | admin | member. */
const SHOWN: Record<Permission, string[]> = {
  member: ['✓', '✓', '✓'],
  settings: ['✓', '✓', '✓ unless locked'],
  admin: ['✓', '✓', '—'],
  owner: ['✓', '—', '—'],
};

describe("the README's permission table", () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../../../README.md'), 'utf8');
  const rows = new Map(
    // Cells are padded when the formatter aligns the table.
    [...readme.matchAll(/^\| `([a-z]+:[a-z-]+)` +\|(.+)\|$/gm)].map((m) => [
      m[1],
      m[2]?.split('|').map((c) => c.trim()),
    ]),
  );

  it('has one row per command, saying what its declared permission says', () => {
    expect([...rows.keys()].sort()).toEqual([...COMMAND_NAMES].sort());
    for (const name of COMMAND_NAMES) expect(rows.get(name), name).toEqual(SHOWN[commands[name].permission]);
  });
});
