// Writes the protocol spec (docs/protocol/*.json) from the zod schemas; spec.test.ts fails when they drift.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPEC_DIR, specFiles } from '../src/spec/files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
for (const [name, text] of Object.entries(specFiles())) {
  writeFileSync(path.join(root, SPEC_DIR, name), text);
  console.log(`wrote ${path.join(SPEC_DIR, name)}`);
}
