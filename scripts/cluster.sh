#!/usr/bin/env bash
# A local cluster on this machine: NODES Huddle nodes on PostgreSQL + Redis, behind nginx.
#   bash scripts/cluster.sh                     # 3 nodes, http://localhost:8080
#   NODES=5 PORT=9000 bash scripts/cluster.sh
# Logs and the generated nginx.conf are in .cluster/. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${NODES:-3}
PORT=${PORT:-8080}
FIRST_NODE_PORT=${FIRST_NODE_PORT:-3101}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/huddle}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
REDIS_PREFIX=${REDIS_PREFIX:-huddle}
run="$PWD/.cluster"
export PATH="$PATH:/usr/sbin"

if ! command -v nginx >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
fi
mkdir -p "$run"/{body,proxy,fastcgi,uwsgi,scgi}

# The database must exist; the nodes migrate it at start (one at a time, Kysely's migrator locks).
db="${DATABASE_URL##*/}"
admin="${DATABASE_URL%/*}/postgres"
psql "$admin" -tAc "select 1 from pg_database where datname = '$db'" | grep -q 1 || psql "$admin" -qc "create database \"$db\""
[ -f "$run/session-secret" ] || openssl rand -hex 32 >"$run/session-secret"

bash scripts/pnpm.sh install --frozen-lockfile
bash scripts/pnpm.sh build

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT INT TERM
servers=""
for i in $(seq 1 "$NODES"); do
  port=$((FIRST_NODE_PORT + i - 1))
  NODE_ENV=production HOST=127.0.0.1 PORT=$port NODE_ID="node-$i" \
    DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL" REDIS_PREFIX="$REDIS_PREFIX" \
    SESSION_SECRET="$(cat "$run/session-secret")" WEB_DIST=apps/web/dist \
    node apps/server/dist/index.js >"$run/node-$i.log" 2>&1 &
  pids+=($!)
  servers+="    server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
done

template=$(<deploy/nginx.conf.template)
template=${template//@RUNTIME@/$run}
template=${template//@LISTEN@/$PORT}
template=${template//@SERVERS@/${servers%$'\n'}}
printf '%s\n' "$template" >"$run/nginx.conf"
nginx -p "$run" -c "$run/nginx.conf" -g 'daemon off;' &
pids+=($!)

echo "Huddle: http://localhost:$PORT — $NODES nodes on ports $FIRST_NODE_PORT…, metrics at http://127.0.0.1:$FIRST_NODE_PORT/metrics, logs in .cluster/"
wait
