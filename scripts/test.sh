#!/usr/bin/env bash
# Installs what the tests need (dependencies, Debian's Chromium) and runs every test:
# lint, typecheck, unit + integration (SQLite and PostgreSQL), and the Playwright end-to-end suite.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm=scripts/pnpm.sh

if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium from Debian (Playwright cannot download its own here)…"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

# The storage suite runs against PostgreSQL too (it creates and drops its own database).
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "Starting the local PostgreSQL cluster…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi

bash $pnpm install --frozen-lockfile
bash $pnpm lint
bash $pnpm typecheck
bash $pnpm test
bash $pnpm e2e
