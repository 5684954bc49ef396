#!/usr/bin/env bash
# PostgreSQL for local runs and tests. Usage: postgres.sh start|stop|status
#   PG_EXTERNAL_URL    if set, a server already listening is used as is
#                      (start only waits for it; stop leaves it alone)
#   LIAISON_STATE_DIR  where our own cluster lives (default ~/.cache/liaison)
#   PG_PORT            port of our own cluster (default 54329)
# Without PG_EXTERNAL_URL, Debian's postgresql package is installed if missing
# and a private cluster is started on 127.0.0.1 with a 'liaison' superuser.
set -euo pipefail
state=${LIAISON_STATE_DIR:-$HOME/.cache/liaison}
port=${PG_PORT:-54329}
# PostgreSQL runs as the 'postgres' user when we are root, and that user
# cannot enter root's home: keep the cluster where it can.
if [ "$(id -u)" = 0 ]; then pgdir=/var/lib/liaison/postgres; else pgdir=$state/postgres; fi
cluster=$pgdir/cluster-$port
logfile=$pgdir/server-$port.log

bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_owner() {
  # PostgreSQL refuses to run as root: run its tools as the 'postgres' user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_server() {
  [ -n "$(bindir)" ] && return 0
  echo "postgres: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
}

wait_ready() {
  for _ in $(seq 1 120); do
    "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$1" && return 0
    sleep 0.5
  done
  echo "postgres: not answering on 127.0.0.1:$1 after 60 s" >&2
  return 1
}

start() {
  if [ -n "${PG_EXTERNAL_URL:-}" ]; then
    echo "postgres: using the server at PG_EXTERNAL_URL"; return 0
  fi
  install_server
  local bin; bin=$(bindir)
  mkdir -p "$pgdir"
  [ "$(id -u)" = 0 ] && chown postgres "$pgdir"
  if [ ! -f "$cluster/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$cluster" -U liaison --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$cluster/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$cluster'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = on
CONF
  fi
  if as_owner "$bin/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
    echo "postgres: already running on 127.0.0.1:$port"; return 0
  fi
  as_owner "$bin/pg_ctl" -D "$cluster" -l "$logfile" -w -t 60 start >/dev/null
  wait_ready "$port"
  "$bin/psql" -qAt -h 127.0.0.1 -p "$port" -U liaison -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'liaison'" \
    | grep -q 1 || "$bin/createdb" -h 127.0.0.1 -p "$port" -U liaison liaison
  echo "postgres: ready on 127.0.0.1:$port"
}

stop() {
  if [ -n "${PG_EXTERNAL_URL:-}" ] || [ ! -f "$cluster/PG_VERSION" ]; then
    echo "postgres: nothing of ours to stop"; return 0
  fi
  as_owner "$(bindir)/pg_ctl" -D "$cluster" -m fast -w stop >/dev/null 2>&1 || true
  echo "postgres: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$(bindir)/pg_ctl" -D "$cluster" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
