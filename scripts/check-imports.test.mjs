import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkImports } from './check-imports.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const script = path.join(repo, 'scripts/check-imports.mjs');
const scratch = mkdtempSync(path.join(tmpdir(), 'huddle-imports-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A small tree with the layout of apps/web/src: `files` maps a path under src/ to its source. */
function tree(name, files) {
  const root = path.join(scratch, name);
  for (const [file, source] of Object.entries(files)) {
    const full = path.join(root, 'src', file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, source);
  }
  return root;
}
const boundaries = [{ root: 'src', app: ['app', 'main.tsx'], features: 'features' }];

test('allowed imports pass: shared → feature → app, a feature within itself, packages', () => {
  const root = tree('allowed', {
    'lib/time.ts': "import { z } from 'zod';\nexport const now = () => 1;\n",
    'features/chat/store.ts': "import { now } from '../../lib/time';\nexport const s = now;\n",
    'features/chat/panel.tsx': "import { s } from './store';\nimport './chat.css';\nexport const P = s;\n",
    'app/features.ts': "import { P } from '../features/chat/panel';\nimport { x } from '../features/pomodoro/x';\n",
    'main.tsx': "import './app/features';\n",
  });
  assert.deepEqual(checkImports(root, boundaries), []);
});

test('each deliberate violation is reported with its file, line and rule', () => {
  const root = tree('broken', {
    'lib/time.ts': "export const now = () => 1;\n\nimport { s } from '../features/chat/store';\n",
    'features/chat/store.ts': "export const s = 1;\nexport { x } from '../pomodoro/x';\n",
    'features/pomodoro/x.ts': "const lazy = () => import('../../app/bridge');\nexport const x = lazy;\n",
    'app/bridge.ts': "import { s } from '../features/chat/store';\n",
  });
  assert.deepEqual(
    checkImports(root, boundaries).map((v) => [v.file, v.line, v.rule]),
    [
      ['src/features/chat/store.ts', 2, 'feature "chat" must not import feature "pomodoro"'],
      ['src/features/pomodoro/x.ts', 1, 'feature "pomodoro" must not import the app layer'],
      ['src/lib/time.ts', 3, 'shared code must not import a feature'],
    ].sort(),
  );
});

test('the command exits non-zero on a violation and names it', () => {
  const root = tree('cli', {
    'apps/web/src/features/chat/a.ts': "import { b } from '../sensor/b';\n",
    'apps/web/src/features/sensor/b.ts': 'export const b = 1;\n',
    'apps/server/src/io/auth.ts': "import { s } from '../features/session/s.js';\n",
    'apps/server/src/features/session/s.ts': 'export const s = 1;\n',
  });
  const run = spawnSync(process.execPath, [script, path.join(root, 'src')], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /features\/chat\/a\.ts:1: imports '\.\.\/sensor\/b': feature "chat" must not import feature "sensor"/,
  );
  assert.match(run.stderr, /io\/auth\.ts:1: .*shared code must not import a feature/);
});

test('the repository holds to the rules', () => {
  assert.deepEqual(checkImports(repo), []);
});
