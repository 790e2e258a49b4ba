#!/usr/bin/env bash
# Installs, builds and starts Huddle at http://localhost:3000 with embedded SQLite storage under .data/.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm=scripts/pnpm.sh
bash $pnpm install --frozen-lockfile
bash $pnpm build
exec bash $pnpm start
