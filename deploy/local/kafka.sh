#!/usr/bin/env bash
# Apache Kafka 4.x in KRaft mode, single node on 127.0.0.1, from the broker
# jars on Maven Central. Usage: kafka.sh start|stop|status
#   LIAISON_STATE_DIR  where jars, data and logs live (default ~/.cache/liaison)
#   KAFKA_PORT         broker port (default 9092); controller uses KAFKA_PORT+1
#   KAFKA_DATA_ROOT    where each broker's log directory data-PORT lives (default
#                      $LIAISON_STATE_DIR/kafka); CI passes a fresh one, so a run never
#                      recovers the partitions of past runs
# start is idempotent: it reuses the jar cache, formats storage once, and
# returns only when the broker answers. stop ends only the broker it started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=${LIAISON_STATE_DIR:-$HOME/.cache/liaison}
port=${KAFKA_PORT:-9092}
controller_port=$((port + 1))
libs=$state/kafka/libs
data=${KAFKA_DATA_ROOT:-$state/kafka}/data-$port
pidfile=$state/kafka/broker-$port.pid
logfile=$state/kafka/broker-$port.log
props=$state/kafka/server-$port.properties
mkdir -p "$state/kafka"

classpath() { printf '%s' "$libs/*"; }

fetch_jars() {
  [ -f "$libs/.complete" ] && return 0
  echo "kafka: fetching broker jars from Maven Central into $libs" >&2
  rm -rf "$libs"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$libs" -DincludeScope=runtime >&2
  touch "$libs/.complete"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

# The pid file may come from a copied machine state: the pid must be our broker.
running() { [ -f "$pidfile" ] && grep -qs kafka.Kafka "/proc/$(cat "$pidfile")/cmdline"; }

start() {
  if running; then echo "kafka: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; return 0; fi
  if answers; then echo "kafka: something else already listens on 127.0.0.1:$port; using it"; return 0; fi
  fetch_jars
  sed -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$controller_port#g" -e "s#@DATA_DIR@#$data#g" \
    "$here/kafka/server.properties.template" >"$props"
  local java_opts=(-Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$here/kafka/log4j2.yaml")
  if [ ! -f "$data/meta.properties" ]; then
    java "${java_opts[@]}" -cp "$(classpath)" kafka.tools.StorageTool format \
      -t "$(java "${java_opts[@]}" -cp "$(classpath)" kafka.tools.StorageTool random-uuid)" \
      -c "$props" >/dev/null
  fi
  : >"$logfile"
  setsid nohup java "${java_opts[@]}" -cp "$(classpath)" kafka.Kafka "$props" >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 240); do
    if grep -q "Kafka Server started" "$logfile" && answers; then
      echo "kafka: ready on 127.0.0.1:$port"; return 0
    fi
    running || { echo "kafka: broker exited; see $logfile" >&2; tail -20 "$logfile" >&2; return 1; }
    sleep 0.5
  done
  echo "kafka: not ready after 120 s; see $logfile" >&2
  return 1
}

stop() {
  running || { rm -f "$pidfile"; echo "kafka: not running (nothing of ours to stop)"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
  echo "kafka: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "kafka: running (pid $(cat "$pidfile"))"; else echo "kafka: stopped"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
