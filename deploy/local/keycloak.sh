#!/usr/bin/env bash
# Keycloak, the OpenID provider of local runs and tests, from its distribution
# on Maven Central. Usage: keycloak.sh start|stop|status
#   LIAISON_STATE_DIR  where the distribution, its data and logs live (default ~/.cache/liaison)
#   KEYCLOAK_PORT      HTTP port on 127.0.0.1 (default 8180)
# start is idempotent: it fetches and unpacks the distribution once, imports
# the realm in keycloak/liaison-realm.json (again, from scratch, whenever that
# file changed) and returns only when the realm's discovery document answers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${LIAISON_STATE_DIR:-$HOME/.cache/liaison}
port=${KEYCLOAK_PORT:-8180}
version=26.5.6
home=$state/keycloak/keycloak-$version
realm_file=$here/keycloak/liaison-realm.json
pidfile=$state/keycloak/keycloak-$port.pid
logfile=$state/keycloak/keycloak-$port.log
discovery=http://127.0.0.1:$port/realms/liaison/.well-known/openid-configuration
mkdir -p "$state/keycloak"

fetch() {
  [ -f "$home/.complete" ] && return 0
  echo "keycloak: fetching keycloak-quarkus-dist $version from Maven Central" >&2
  mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" \
    -DoutputDirectory="$state/keycloak" >&2
  rm -rf "$home"
  unzip -q "$state/keycloak/keycloak-quarkus-dist-$version.zip" -d "$state/keycloak"
  rm -f "$state/keycloak/keycloak-quarkus-dist-$version.zip"
  touch "$home/.complete"
}

answers() { curl -sf -o /dev/null "$discovery"; }

# The pid file may come from a copied machine state: the pid must be our server.
running() { [ -f "$pidfile" ] && grep -qas -e kc.sh -e kc.home.dir "/proc/$(cat "$pidfile")/cmdline"; }

start() {
  if running; then echo "keycloak: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  if answers; then echo "keycloak: something else already serves the realm on 127.0.0.1:$port; using it"; return 0; fi
  fetch
  local digest; digest=$(sha256sum "$realm_file" | cut -d' ' -f1)
  if [ "$(cat "$home/data/realm.sha256" 2>/dev/null)" != "$digest" ]; then
    rm -rf "$home/data"  # the realm changed: start from it, not from what an older one left
    mkdir -p "$home/data/import"
    cp "$realm_file" "$home/data/import/liaison-realm.json"
    echo "$digest" >"$home/data/realm.sha256"
  fi
  : >"$logfile"
  KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=${KEYCLOAK_ADMIN_PASSWORD:-admin-demo} \
    JAVA_OPTS_KC_HEAP="-Xms128m -Xmx768m" \
    setsid nohup "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port="$port" --import-realm \
    >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 480); do
    if answers; then echo "keycloak: ready on http://127.0.0.1:$port (realm liaison)"; return 0; fi
    running || { echo "keycloak: exited; see $logfile" >&2; tail -20 "$logfile" >&2; return 1; }
    sleep 0.5
  done
  echo "keycloak: not ready after 240 s; see $logfile" >&2
  return 1
}

stop() {
  running || { rm -f "$pidfile"; echo "keycloak: not running (nothing of ours to stop)"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill -- "-$pid" 2>/dev/null || kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 -- "-$pid"
  rm -f "$pidfile"
  echo "keycloak: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "keycloak: running (pid $(cat "$pidfile"))"; else echo "keycloak: stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
