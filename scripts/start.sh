#!/usr/bin/env bash
# Installs, builds and starts Huddle at http://localhost:3000 with embedded SQLite storage under .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm=scripts/pnpm.sh
bash $pnpm install --frozen-lockfile
# A node_modules installed under another Node version holds a better-sqlite3 built for that one.
bash $pnpm --filter @huddle/server exec node -e "require('better-sqlite3')" 2>/dev/null || bash $pnpm rebuild better-sqlite3
bash $pnpm build
exec bash $pnpm start
