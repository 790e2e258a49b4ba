#!/usr/bin/env bash
# Runs the pinned pnpm (package.json "packageManager") under Node 24 on a machine that only has Node and npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/node.sh
source "${root}/scripts/node.sh"
version=$(node -p "require('${root}/package.json').packageManager.split('@')[1]")
exec npx --yes "pnpm@${version}" "$@"
