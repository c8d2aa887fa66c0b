#!/usr/bin/env bash
# A local skillnest cluster on loopback addresses: a PostgreSQL primary and a streaming
# replica (pg_basebackup, replication slot), one Redis, two `skillnest serve` processes with
# two workers each, and nginx in front. Every process runs as an unprivileged user (when
# started by root: `postgres` for PostgreSQL, `nobody` for the rest). Ports are distinct from
# scripts/services.sh. Writes the addresses to var/cluster.env.
#
#   scripts/cluster.sh up       start whatever is not running (idempotent)
#   scripts/cluster.sh status   what runs, and the replica's lag
#   scripts/cluster.sh down     stop everything and remove the cluster's data
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BASE_PORT="${SKILLNEST_CLUSTER_PORT:-58100}"
NGINX_PORT="$BASE_PORT"
SERVER_PORTS=("$((BASE_PORT + 1))" "$((BASE_PORT + 2))")
PRIMARY_PORT="${SKILLNEST_CLUSTER_PG_PORT:-55532}"
REPLICA_PORT="$((PRIMARY_PORT + 1))"
REDIS_PORT="${SKILLNEST_CLUSTER_REDIS_PORT:-56479}"
STATE="${SKILLNEST_CLUSTER_DIR:-/tmp/skillnest-cluster-$(id -u)}"
ENV_FILE="$ROOT/var/cluster.env"
DB=skillnest
SLOT=skillnest_replica
WORKERS=2
MAINTENANCE_SECONDS="${SKILLNEST_MAINTENANCE_SECONDS:-60}"
WAIT_SECONDS=60 # upper bound of every wait below

log() { printf 'cluster: %s %s\n' "$(date -u +%T)" "$*" >&2; }
die() { log "$*"; exit 1; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
is_root() { [ "$(id -u)" = 0 ]; }
# PostgreSQL refuses root; the other servers need no privilege either.
pg_user() { if is_root; then echo postgres; else id -un; fi; }
app_user() { if is_root; then echo "${SKILLNEST_CLUSTER_USER:-nobody}"; else id -un; fi; }
as_pg() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }
as_app() { if is_root; then runuser -u "$(app_user)" -- "$@"; else "$@"; fi; }

install_missing() {
  local packages=()
  [ -x "$(pg_bin)/initdb" ] || packages+=(postgresql postgresql-contrib)
  command -v redis-server >/dev/null || packages+=(redis-server)
  command -v redis-cli >/dev/null || packages+=(redis-tools)
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || packages+=(nginx)
  [ "${#packages[@]}" -eq 0 ] && return 0
  log "installing ${packages[*]}"
  local sudo=(); is_root || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
}

wait_for() { # wait_for DESCRIPTION COMMAND...: retry for at most WAIT_SECONDS
  local what="$1"; shift
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $what"
    sleep 0.2
  done
}

psql_at() { "$(pg_bin)/psql" -h 127.0.0.1 -p "$1" -U postgres -d "${2:-postgres}" -v ON_ERROR_STOP=1 -qAtc "$3"; }
pg_running() { as_pg "$(pg_bin)/pg_ctl" -D "$1" status >/dev/null 2>&1; }

pg_start() { # pg_start DIR PORT
  pg_running "$1" && return 0
  mkdir -p "$STATE/sockets"; is_root && chown "$(pg_user)" "$STATE/sockets"
  # The port lives in the node's own configuration: a plain `pg_ctl start` brings it back.
  grep -q "^port = $2\$" "$1/postgresql.conf" ||
    printf "port = %s\nunix_socket_directories = '%s'\n" "$2" "$STATE/sockets" |
    as_pg tee -a "$1/postgresql.conf" >/dev/null
  # `down` removes the node's folder with its log, so a failed start shows the log first.
  as_pg "$(pg_bin)/pg_ctl" -D "$1" -w -t "$WAIT_SECONDS" -l "$1/server.log" start >/dev/null || {
    tail -n 40 "$1/server.log" >&2 || true
    die "PostgreSQL in $1 did not start (the end of its log is above)"
  }
}

start_primary() {
  local dir="$STATE/primary"
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; is_root && chown "$(pg_user)" "$dir"
    as_pg "$(pg_bin)/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C >/dev/null
    # initdb's pg_hba.conf already lets 127.0.0.1 connect for replication (trust).
    as_pg tee -a "$dir/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
hot_standby = on
max_connections = 200
fsync = off
full_page_writes = off
CONF
  fi
  pg_start "$dir" "$PRIMARY_PORT"
  if [ "$(psql_at "$PRIMARY_PORT" postgres "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
    psql_at "$PRIMARY_PORT" postgres "CREATE DATABASE $DB" >/dev/null
  fi
}

start_replica() {
  local dir="$STATE/replica"
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; chmod 700 "$dir"; is_root && chown "$(pg_user)" "$dir"
    local create=(-C)
    if [ "$(psql_at "$PRIMARY_PORT" postgres "SELECT 1 FROM pg_replication_slots WHERE slot_name='$SLOT'")" = 1 ]; then
      create=()
    fi
    # -R writes standby.signal and primary_conninfo; the slot keeps the WAL the replica needs.
    as_pg timeout "$WAIT_SECONDS" "$(pg_bin)/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" \
      -U postgres -D "$dir" -X stream -c fast "${create[@]}" -S "$SLOT" -R >/dev/null ||
      die "pg_basebackup from the primary failed (or took over ${WAIT_SECONDS}s)"
  fi
  pg_start "$dir" "$REPLICA_PORT"
}

start_redis() {
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
  mkdir -p "$STATE/redis"; is_root && chown "$(app_user)" "$STATE/redis"
  as_app redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" \
    --appendonly no --dir "$STATE/redis" --pidfile "$STATE/redis/redis.pid" \
    --logfile "$STATE/redis/redis.log" >/dev/null
  wait_for redis redis-cli -p "$REDIS_PORT" ping
}

write_env() {
  local pg="postgresql+psycopg://postgres@127.0.0.1"
  if [ ! -f "$STATE/secrets.env" ]; then
    (umask 077 && printf 'SKILLNEST_SECRET_KEY=%s\nSKILLNEST_PSEUDONYM_KEY=%s\n' \
      "$(head -c 32 /dev/urandom | base64 | tr -d '=+/\n')" \
      "$(head -c 32 /dev/urandom | base64 | tr -d '=+/\n')" >"$STATE/secrets.env")
    is_root && chown "$(app_user)" "$STATE/secrets.env"
  fi
  mkdir -p "$(dirname "$ENV_FILE")"
  cat >"$ENV_FILE" <<ENV
export SKILLNEST_CLUSTER_URL=http://127.0.0.1:$NGINX_PORT
export SKILLNEST_CLUSTER_SERVERS=http://127.0.0.1:${SERVER_PORTS[0]},http://127.0.0.1:${SERVER_PORTS[1]}
export SKILLNEST_CLUSTER_PRIMARY_URL=$pg:$PRIMARY_PORT/$DB
export SKILLNEST_CLUSTER_REPLICA_URL=$pg:$REPLICA_PORT/$DB
export SKILLNEST_CLUSTER_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export SKILLNEST_CLUSTER_DIR=$STATE
export SKILLNEST_CLUSTER_MAINTENANCE_SECONDS=$MAINTENANCE_SECONDS
export SKILLNEST_PG_BIN=$(pg_bin)
ENV
}

# The environment of every skillnest server: one primary, its replica, one Redis.
server_env() {
  set -a
  # shellcheck disable=SC1091
  . "$STATE/secrets.env"
  set +a
  export SKILLNEST_ENV=production
  export SKILLNEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
  export SKILLNEST_DATABASE_REPLICA_URLS="postgresql+psycopg://postgres@127.0.0.1:$REPLICA_PORT/$DB"
  export SKILLNEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export SKILLNEST_MAINTENANCE_SECONDS="$MAINTENANCE_SECONDS"
  export SKILLNEST_LOG_LEVEL=warning
}

# The interpreter the servers run with. The project's virtualenv may be built on a Python
# that only its owner can read (pyenv under /root): then the servers get a copy of that
# interpreter's standard library, readable by their user, with the virtualenv's packages.
PYTHON_COPY="${SKILLNEST_CLUSTER_PYTHON_DIR:-/tmp/skillnest-cluster-python-$(id -u)}"
server_python() {
  if ! is_root || as_app "$ROOT/.venv/bin/python" -c pass 2>/dev/null; then
    echo "$ROOT/.venv/bin/python"; return
  fi
  local home; home="$("$ROOT/.venv/bin/python" -c 'import sys; print(sys.base_prefix)')"
  local version; version="$("$ROOT/.venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  local site; site="$("$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
  if [ ! -x "$PYTHON_COPY/venv/bin/python" ]; then
    log "copying the Python $version runtime for unprivileged servers"
    rm -rf "$PYTHON_COPY"; mkdir -p "$PYTHON_COPY/runtime/bin" "$PYTHON_COPY/runtime/lib"
    cp -a "$home/bin/python$version" "$PYTHON_COPY/runtime/bin/"
    cp -a "$home/lib/"libpython3* "$PYTHON_COPY/runtime/lib/" 2>/dev/null || true
    tar -C "$home/lib" --exclude=site-packages --exclude=test --exclude=idlelib \
      --exclude=tkinter --exclude=ensurepip -cf - "python$version" | tar -C "$PYTHON_COPY/runtime/lib" -xf -
    LD_LIBRARY_PATH="$PYTHON_COPY/runtime/lib" "$PYTHON_COPY/runtime/bin/python$version" \
      -m venv --without-pip "$PYTHON_COPY/venv"
  fi
  # Written on every start: the runtime copy outlives checkouts, the packages are this one's.
  echo "import site; site.addsitedir('$site')" \
    >"$PYTHON_COPY/venv/lib/python$version/site-packages/skillnest-project.pth"
  chmod -R a+rX "$PYTHON_COPY"
  echo "$PYTHON_COPY/venv/bin/python"
}

# The servers run as an unprivileged user, who must reach this checkout: a folder made by
# mktemp (0700) above it would stop them. Grant search (x), never read, on each folder above.
open_path_to_checkout() {
  local dir="$ROOT"
  while [ "$dir" != "/" ]; do
    [ -n "$(find "$dir" -maxdepth 0 -perm -o=x)" ] || chmod o+x "$dir"
    dir="$(dirname "$dir")"
  done
}

migrate() { (server_env; cd "$STATE" && "$ROOT/.venv/bin/skillnest" db upgrade >/dev/null); }

server_alive() { [ -f "$STATE/server$1/pid" ] && kill -0 "$(cat "$STATE/server$1/pid")" 2>/dev/null; }

start_server() { # start_server N (1 or 2)
  local n="$1" port="${SERVER_PORTS[$(($1 - 1))]}" dir="$STATE/server$1"
  server_alive "$n" && return 0
  mkdir -p "$dir"; is_root && chown "$(app_user)" "$dir"
  is_root && open_path_to_checkout
  local run=(); is_root && run=(runuser -u "$(app_user)" --)
  # Resolved here, in the foreground: inside the backgrounded command below, the two servers'
  # first starts would each copy the runtime at once, one deleting what the other copies.
  local python; python="$(server_python)"
  (
    server_env
    cd "$dir"
    # setsid: its own process group, so the whole server (supervisor and workers) is
    # signalled at once.
    export LD_LIBRARY_PATH="$PYTHON_COPY/runtime/lib"
    setsid "${run[@]}" "$python" -m skillnest serve --host 127.0.0.1 --port "$port" \
      --workers "$WORKERS" >"$dir/server.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
  )
}

wait_for_server() { # wait_for_server N
  wait_for "skillnest server $1" curl -fsS "http://127.0.0.1:${SERVER_PORTS[$(($1 - 1))]}/health"
}

nginx_bin() { command -v nginx || echo /usr/sbin/nginx; }

write_nginx_conf() {
  local dir="$STATE/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"; is_root && chown -R "$(app_user)" "$dir"
  sed -e "s|@NGINX_PORT@|$NGINX_PORT|g" -e "s|@SERVER1@|127.0.0.1:${SERVER_PORTS[0]}|g" \
    -e "s|@SERVER2@|127.0.0.1:${SERVER_PORTS[1]}|g" -e "s|@PREFIX@|$dir|g" \
    "$ROOT/scripts/cluster-nginx.conf" >"$dir/nginx.conf"
}

start_nginx() {
  local dir="$STATE/nginx"
  if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then return 0; fi
  write_nginx_conf
  as_app "$(nginx_bin)" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  wait_for nginx curl -fsS "http://127.0.0.1:$NGINX_PORT/health"
}

stop_pidfile() { # stop_pidfile FILE: TERM, then KILL after a bounded wait
  [ -f "$1" ] || return 0
  local pid; pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

up() {
  install_missing
  mkdir -p "$STATE"; chmod 755 "$STATE"
  start_primary
  start_replica
  start_redis
  write_env
  log "migrating"
  migrate
  log "starting the servers"
  start_server 1
  start_server 2
  wait_for_server 1
  wait_for_server 2
  start_nginx
  log "up: nginx http://127.0.0.1:$NGINX_PORT -> servers ${SERVER_PORTS[*]}; primary $PRIMARY_PORT, replica $REPLICA_PORT, redis $REDIS_PORT"
}

down() {
  stop_pidfile "$STATE/nginx/nginx.pid"
  stop_pidfile "$STATE/server1/pid"
  stop_pidfile "$STATE/server2/pid"
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  local bin; bin="$(pg_bin)"
  for dir in "$STATE/replica" "$STATE/primary"; do
    [ -f "$dir/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir" -m immediate -t 30 stop >/dev/null 2>&1 || true
  done
  rm -rf "$STATE" "$ENV_FILE"
  log "down"
}

status() {
  local rc=0
  report() { if "${@:2}" >/dev/null 2>&1; then log "$1: up"; else log "$1: down"; rc=1; fi; }
  report "primary   :$PRIMARY_PORT" pg_running "$STATE/primary"
  report "replica   :$REPLICA_PORT" pg_running "$STATE/replica"
  report "redis     :$REDIS_PORT" redis-cli -p "$REDIS_PORT" ping
  report "server 1  :${SERVER_PORTS[0]}" server_alive 1
  report "server 2  :${SERVER_PORTS[1]}" server_alive 2
  report "nginx     :$NGINX_PORT" curl -fsS "http://127.0.0.1:$NGINX_PORT/health"
  curl -fsS "http://127.0.0.1:$NGINX_PORT/health" 2>/dev/null && echo
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
