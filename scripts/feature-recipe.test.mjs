// Keeps CONTRIBUTING.md's recipe for adding a feature true: every file it points at exists, and every
// feature of both apps has the shape the recipe describes and is in its app's one feature list.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
const read = (file) => readFileSync(path.join(repo, file), 'utf8');

/** The plug-in files of an app (`features/<f>/<f>.feature.ts`) and the feature names they belong to. */
function pluginFiles(featuresDir) {
  return readdirSync(path.join(repo, featuresDir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ file: `${featuresDir}/${entry.name}/${entry.name}.feature.ts`, name: entry.name }))
    .filter(({ file }) => existsSync(path.join(repo, file)));
}

test('every file of the repository CONTRIBUTING.md names exists (the example feature "poll" aside)', () => {
  const text = read('CONTRIBUTING.md');
  // `../shared/…` is the team's design folder beside a checkout, not part of the repository.
  const named = [...text.matchAll(/`([\w./-]+\.(?:ts|tsx|mjs|css|json|yaml|md))`/g)]
    .map((m) => m[1])
    .filter((name) => !name.startsWith('../'));
  assert.ok(named.length > 10, 'the recipe names the files it is built on');
  const missing = named.filter(
    (name) =>
      !name.includes('poll') && !existsSync(path.join(repo, name)) && !tracked.some((f) => f.endsWith(`/${name}`)),
  );
  assert.deepEqual(missing, []);
});

for (const app of [
  { features: 'apps/server/src/features', list: 'apps/server/src/app.ts', from: './features' },
  { features: 'apps/web/src/features', list: 'apps/web/src/app/features.ts', from: '../features' },
]) {
  test(`${app.list}: every plug-in file is in the feature list, and everything listed is a plug-in file`, () => {
    const plugins = pluginFiles(app.features);
    assert.ok(plugins.length >= 4, `${app.features} holds the features`);
    const list = read(app.list);
    const start = list.indexOf('export const FEATURES');
    assert.ok(start >= 0, `${app.list} declares FEATURES`);
    const listed = list.slice(start);
    const imported = [...list.matchAll(/from '([^']+)\.feature(?:\.js)?'/g)].map((m) => m[1]);
    assert.deepEqual(
      imported.map((specifier) => path.posix.basename(specifier)).sort(),
      plugins.map((p) => p.name).sort(),
    );
    for (const specifier of imported) assert.ok(specifier.startsWith(`${app.from}/`), specifier);
    for (const { file, name } of plugins) {
      const factory = `${name.replace(/-(\w)/g, (_, c) => c.toUpperCase())}Feature`;
      assert.match(read(file), new RegExp(`export (const|function) ${factory}\\b`), `${file} exports ${factory}`);
      assert.match(listed, new RegExp(`\\b${factory}\\b`), `${app.list} lists ${factory} in FEATURES`);
    }
  });
}

test('each web feature with a panel carries its own stylesheet', () => {
  for (const { file, name } of pluginFiles('apps/web/src/features')) {
    const sheet = `apps/web/src/features/${name}/${name}.css`;
    assert.ok(existsSync(path.join(repo, sheet)), `${file}: expected ${sheet}`);
    const importers = readdirSync(path.join(repo, 'apps/web/src/features', name), { recursive: true })
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => `apps/web/src/features/${name}/${f}`);
    assert.ok(
      importers.some((f) => read(f).includes(`${name}.css'`)),
      `${sheet} is imported by the feature itself`,
    );
  }
});
