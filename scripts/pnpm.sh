#!/usr/bin/env bash
# Runs the pinned pnpm (package.json "packageManager") on a machine that only has Node and npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(node -p "require('${root}/package.json').packageManager.split('@')[1]")
exec npx --yes "pnpm@${version}" "$@"
