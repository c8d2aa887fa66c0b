#!/usr/bin/env bash
# Start or stop the PostgreSQL and Redis servers used by the tests and benchmarks.
# Installs the Debian packages when they are missing; PostgreSQL always runs as an
# unprivileged user. Writes the connection URLs to var/services.env.
set -euo pipefail

PG_PORT="${SKILLNEST_PG_PORT:-55432}"
REDIS_PORT="${SKILLNEST_REDIS_PORT:-56379}"
STATE_DIR="${SKILLNEST_SERVICES_DIR:-/tmp/skillnest-services-$(id -u)}"
PG_DIR="$STATE_DIR/pg"
ENV_FILE="var/services.env"
PG_DB="skillnest_test"

log() { printf 'services: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to install packages: $*"; return 1; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install_missing() {
  local packages=()
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || packages+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || packages+=(redis-server)
  command -v redis-cli >/dev/null || packages+=(redis-tools)
  if [ "${#packages[@]}" -gt 0 ]; then
    log "installing ${packages[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${packages[@]}" >/dev/null
  fi
}

# PostgreSQL refuses to run as root: use the 'postgres' system user the package creates.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_postgres() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$STATE_DIR"
  chmod 755 "$STATE_DIR"
  if [ ! -f "$PG_DIR/PG_VERSION" ]; then
    mkdir -p "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown "$(pg_user)" "$PG_DIR"
    as_pg "$bin/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  fi
  if ! as_pg "$bin/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$PG_DIR" -w -t 60 -l "$PG_DIR/server.log" start -o \
      "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off \
       -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  fi
  local psql="$bin/psql -h 127.0.0.1 -p $PG_PORT -U postgres -v ON_ERROR_STOP=1 -qAt"
  if [ "$($psql -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$PG_DB'")" != 1 ]; then
    $psql -d postgres -c "CREATE DATABASE $PG_DB" >/dev/null
  fi
  log "postgresql $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (user $(pg_user))"
}

start_redis() {
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    mkdir -p "$STATE_DIR/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" \
      --appendonly no --dir "$STATE_DIR/redis" --pidfile "$STATE_DIR/redis/redis.pid" \
      --logfile "$STATE_DIR/redis/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  redis-cli -p "$REDIS_PORT" ping >/dev/null
  log "redis $(redis-server --version | awk '{print $3}' | tr -d v=) on 127.0.0.1:$REDIS_PORT"
}

write_env() {
  mkdir -p "$(dirname "$ENV_FILE")"
  cat >"$ENV_FILE" <<ENV
export SKILLNEST_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB
export SKILLNEST_TEST_ADMIN_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres
export SKILLNEST_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/${SKILLNEST_TEST_REDIS_DB:-0}
export SKILLNEST_PG_BIN=$(pg_bin)
export SKILLNEST_PG_PORT=$PG_PORT
export SKILLNEST_REDIS_PORT=$REDIS_PORT
ENV
}

install_bench_tools() {
  command -v wrk >/dev/null && command -v redis-benchmark >/dev/null && return 0
  log "installing wrk and redis-tools for the benchmarks"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wrk redis-tools >/dev/null
}

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
install_browser() {
  [ -x /usr/bin/chromium ] && return 0
  log "installing chromium for the browser tests"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
}

case "${1:-start}" in
  start) install_missing; start_postgres; start_redis; write_env ;;
  browser) install_browser ;;
  bench-tools) install_bench_tools ;;
  stop)
    bin="$(pg_bin)"
    [ -n "$bin" ] && [ -f "$PG_DIR/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$PG_DIR" -m fast stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop|browser|bench-tools" >&2; exit 2 ;;
esac
