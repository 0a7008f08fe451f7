#!/usr/bin/env bash
# Starts a throw-away PostgreSQL for the service tests and prints its URL on stdout (nothing else).
# Installs Debian's postgresql when missing; runs the server as the postgres user (it refuses root);
# idempotent and fast when the server is already up. Usage: export TEST_POSTGRES_URL=$(bash .ci/postgres.sh)
set -euo pipefail
PORT="${PLANNER_PG_PORT:-55432}"
DATA="${PLANNER_PG_DATA:-/tmp/planner-pg-$PORT}"
DB=planner_test
USER_NAME=planner_test
PASSWORD=planner_test
log() { echo "postgres.sh: $*" >&2; }

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != 0 ]; then log "postgresql is not installed and I am not root"; exit 1; fi
  log "installing postgresql (Debian packages)"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    log "creating cluster in $DATA"
    mkdir -p "$DATA"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
    chmod 700 "$DATA"
    as_pg "'$BIN/initdb' -D '$DATA' -A trust -U postgres --no-sync >/dev/null"
  fi
  log "starting server on port $PORT"
  as_pg "'$BIN/pg_ctl' -D '$DATA' -l '$DATA/server.log' -w -o \"-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null"
fi

psql_pg() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAq "$@"; }
if [ "$(psql_pg -c "select 1 from pg_roles where rolname='$USER_NAME'")" != 1 ]; then
  psql_pg -c "create role $USER_NAME login password '$PASSWORD'" >/dev/null
fi
if [ "$(psql_pg -c "select 1 from pg_database where datname='$DB'")" != 1 ]; then
  psql_pg -c "create database $DB owner $USER_NAME" >/dev/null
fi
echo "postgresql+psycopg2://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB"
