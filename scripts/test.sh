#!/usr/bin/env bash
# Installs what the tests need (dependencies, Debian's Chromium and nginx, the PostgreSQL and Redis
# clients) and runs every test: lint, typecheck, unit + integration (SQLite, PostgreSQL, Redis
# cluster), the reliability suite, and the Playwright end-to-end suite (one server, then three nodes
# behind nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm=scripts/pnpm.sh

missing=()
{ [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1; } || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
# The reliability suite restarts a Redis of its own (never the shared one).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing from Debian: ${missing[*]} (Playwright cannot download its own browser here)…"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"

# The storage suite runs against PostgreSQL too (it creates and drops its own database).
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "Starting the local PostgreSQL cluster…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
# The cluster tests use Redis (their own key prefix, deleted afterwards).
if ! redis-cli -u "${HUDDLE_TEST_REDIS_URL:-redis://127.0.0.1:6379}" ping >/dev/null 2>&1; then
  echo "Starting Redis…"
  (command -v redis-server >/dev/null 2>&1 && redis-server --daemonize yes >/dev/null) || true
fi

bash $pnpm install --frozen-lockfile
# A node_modules installed under another Node version holds a better-sqlite3 built for that one.
bash $pnpm --filter @huddle/server exec node -e "require('better-sqlite3')" 2>/dev/null || bash $pnpm rebuild better-sqlite3
bash $pnpm lint
bash $pnpm typecheck
bash $pnpm test
# Faults, floods, hostile input and origins, measured: writes apps/server/.reliability/report.md
# (docs/reliability.md changes only through `reliability:publish`, so this leaves tracked files alone).
bash $pnpm --filter @huddle/server reliability
bash $pnpm e2e
