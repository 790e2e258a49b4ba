#!/usr/bin/env node
// The import rules of STYLE.md, checked rather than remembered: shared code → features → app, one
// direction. In each source root below:
//   - shared code (everything that is neither a feature nor the app layer) imports no feature and no app;
//   - a feature imports no other feature and no app;
//   - the app layer composes and may import anything.
// Only relative imports are followed: a package import (`@huddle/protocol`, `react`) is always allowed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the rules apply: a source root, its app layer (folders or files) and its features folder. */
export const BOUNDARIES = [
  { root: 'apps/web/src', app: ['app', 'main.tsx'], features: 'features' },
  { root: 'apps/server/src', app: ['app.ts', 'index.ts', 'server.ts'], features: 'features' },
];

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
const SPECIFIERS = [
  /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/**
 * Every import that breaks a rule, as `{ file, line, target, rule }` with paths relative to `repo`.
 * @param {string} repo
 * @param {typeof BOUNDARIES} boundaries
 */
export function checkImports(repo, boundaries = BOUNDARIES) {
  const violations = [];
  for (const boundary of boundaries) {
    const root = path.join(repo, boundary.root);
    const layerOf = (file) => {
      const [head, second] = path.relative(root, file).split(path.sep);
      if (boundary.app.includes(head)) return { kind: 'app' };
      if (head === boundary.features && second !== undefined) return { kind: 'feature', name: second };
      return { kind: 'shared' };
    };
    for (const file of sourceFiles(root)) {
      const from = layerOf(file);
      if (from.kind === 'app') continue;
      const text = readFileSync(file, 'utf8');
      for (const { specifier, index } of importsOf(text)) {
        if (!specifier.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), specifier);
        if (path.relative(root, target).startsWith('..')) continue;
        const to = layerOf(target);
        const rule = broken(from, to);
        if (rule) {
          violations.push({
            file: path.relative(repo, file),
            line: text.slice(0, index).split('\n').length,
            target: specifier,
            rule,
          });
        }
      }
    }
  }
  return violations;
}

function broken(from, to) {
  if (to.kind === 'app') return `${describe(from)} must not import the app layer`;
  if (to.kind === 'feature' && from.kind === 'shared') return 'shared code must not import a feature';
  if (to.kind === 'feature' && from.kind === 'feature' && to.name !== from.name) {
    return `feature "${from.name}" must not import feature "${to.name}"`;
  }
  return null;
}

const describe = (layer) => (layer.kind === 'feature' ? `feature "${layer.name}"` : 'shared code');

function importsOf(text) {
  const found = [];
  for (const pattern of SPECIFIERS) {
    for (const match of text.matchAll(pattern)) found.push({ specifier: match[1], index: match.index });
  }
  return found;
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') yield* sourceFiles(full);
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repo = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkImports(repo);
  for (const v of violations) console.error(`${v.file}:${v.line}: imports '${v.target}': ${v.rule}`);
  if (violations.length > 0) {
    console.error(`\n${violations.length} import(s) break the layer rules (see scripts/check-imports.mjs).`);
    process.exit(1);
  }
  console.log('Import rules hold: shared → features → app, no feature imports another.');
}
