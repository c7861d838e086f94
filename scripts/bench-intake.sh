#!/usr/bin/env bash
# Benchmarks request intake on this machine: builds the release binaries,
# starts `ppid serve` on a free loopback port over a fresh database, runs
# `loadgen` against it, prints the server's peak RSS, stops the server and
# removes the database. Stops by itself (loadgen is bounded; a hard timeout
# backs it up).
#
#   scripts/bench-intake.sh [--postgres URL] [--no-build] [LOADGEN FLAGS...]
#
#   --postgres URL   PostgreSQL instead of SQLite: a fresh database is created
#                    on that server (e.g. postgres://postgres@127.0.0.1:5432)
#                    with psql and dropped afterwards. Loopback servers only.
#   --no-build       use the binaries already in target/release
#   --keep-log FILE  copy the server's log to FILE
#   everything else goes to loadgen, e.g.
#                    --concurrency 64 --duration 10s --warmup 2s --json out.json
#
# Environment: BENCH_TIMEOUT (seconds, default 900) bounds the loadgen run;
# PPID_LOG (default info) is the server's log filter; BENCH_BIN_DIR (default
# target/release) is where the binaries are, e.g. a copy of a previous build
# to measure beside the current one.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/server-port.sh
source scripts/lib/server-port.sh

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

POSTGRES_URL=""
BUILD=1
KEEP_LOG=""
LOADGEN_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --postgres) POSTGRES_URL="${2:?--postgres needs a URL}"; shift 2 ;;
    --postgres=*) POSTGRES_URL="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    --keep-log) KEEP_LOG="${2:?--keep-log needs a file}"; shift 2 ;;
    --keep-log=*) KEEP_LOG="${1#*=}"; shift ;;
    --target | --target=* | --server-pid | --server-pid=*)
      echo "bench-intake.sh: $1 is chosen by the script" >&2; exit 2 ;;
    -h | --help) usage; exit 0 ;;
    *) LOADGEN_ARGS+=("$1"); shift ;;
  esac
done

if [[ $BUILD == 1 ]]; then
  echo "== cargo build --release --workspace --bins"
  cargo build --release --workspace --bins
fi
BIN_DIR="${BENCH_BIN_DIR:-target/release}"
SERVER_BIN=$BIN_DIR/ppid
LOADGEN=$BIN_DIR/loadgen
[[ -x $SERVER_BIN && -x $LOADGEN ]] || { echo "bench-intake.sh: build first (cargo build --release --workspace --bins)" >&2; exit 2; }

WORK="$(mktemp -d -t ppid-bench.XXXXXX)"
SERVER_PID=""
LOADGEN_PID=""
PG_ADMIN=""
PG_DB=""

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "server did not stop within 15 s of SIGTERM; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

cleanup() {
  local rc=$?
  if [[ -n $LOADGEN_PID ]]; then kill -TERM "$LOADGEN_PID" 2>/dev/null || true; wait "$LOADGEN_PID" 2>/dev/null || true; fi
  stop_server
  if [[ -n $KEEP_LOG && -f $WORK/server.log ]]; then cp "$WORK/server.log" "$KEEP_LOG"; fi
  if [[ -n $PG_DB ]]; then
    psql "$PG_ADMIN" -q -v ON_ERROR_STOP=1 \
      -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
      || echo "could not drop PostgreSQL database $PG_DB" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n $POSTGRES_URL ]]; then
  # postgres://user@host:port[/db][?query]: the admin connection uses the
  # given database (default `postgres`); the server gets a fresh one.
  scheme="${POSTGRES_URL%%://*}"
  rest="${POSTGRES_URL#*://}"
  query=""
  if [[ $rest == *\?* ]]; then query="?${rest#*\?}"; rest="${rest%%\?*}"; fi
  authority="${rest%%/*}"
  admin_db="postgres"
  if [[ $rest == */* && -n ${rest#*/} ]]; then admin_db="${rest#*/}"; fi
  hostport="${authority##*@}"
  case "$hostport" in
    127.* | localhost | localhost:* | \[::1\] | \[::1\]:*) ;;
    *) echo "bench-intake.sh: refusing PostgreSQL on $hostport: benchmarks only load this machine" >&2; exit 2 ;;
  esac
  PG_ADMIN="$scheme://$authority/$admin_db$query"
  PG_DB="ppid_bench_$(date +%s)_$$"
  psql "$PG_ADMIN" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$PG_DB\"" >/dev/null
  DATABASE_URL="$scheme://$authority/$PG_DB$query"
  BACKEND="postgres ($scheme://$hostport/$PG_DB)"
else
  DATABASE_URL="$WORK/ppid.db"
  BACKEND="sqlite ($DATABASE_URL)"
fi

echo "== ppid serve on 127.0.0.1 (free port), $BACKEND"
# Port 0: the kernel picks a free port, the log line says which.
PPID_LOG="${PPID_LOG:-info}" "$SERVER_BIN" serve --listen 127.0.0.1:0 \
  --database-url "$DATABASE_URL" --log-format text 2>"$WORK/server.log" &
SERVER_PID=$!
PORT="$(server_port "$WORK/server.log" "$SERVER_PID" 300)" || exit 1
echo "server pid $SERVER_PID on port $PORT"

echo "== loadgen ${LOADGEN_ARGS[*]}"
set +e
# loadgen waits for SERVING, then stops by itself; the timeout is a backstop.
# It runs in the background so that a signal to this script interrupts the wait.
timeout --kill-after=10 "${BENCH_TIMEOUT:-900}" "$LOADGEN" \
  --target "http://127.0.0.1:$PORT" --wait 30s --server-pid "$SERVER_PID" "${LOADGEN_ARGS[@]}" &
LOADGEN_PID=$!
wait "$LOADGEN_PID"
LOADGEN_RC=$?
LOADGEN_PID=""
set -e

if kill -0 "$SERVER_PID" 2>/dev/null; then
  HWM="$(awk '/^VmHWM:/ {print $2, $3}' "/proc/$SERVER_PID/status")"
  RSS="$(awk '/^VmRSS:/ {print $2, $3}' "/proc/$SERVER_PID/status")"
  THREADS="$(awk '/^Threads:/ {print $2}' "/proc/$SERVER_PID/status")"
  echo "== server peak RSS (VmHWM): $HWM (RSS now $RSS, $THREADS threads)"
else
  echo "== the server is no longer running (see its log below)" >&2
  tail -20 "$WORK/server.log" >&2
  LOADGEN_RC=1
fi

if [[ -n $PG_DB ]]; then
  echo "== database size: $(psql "$PG_ADMIN" -Atc "SELECT pg_size_pretty(pg_database_size('$PG_DB'))")"
else
  echo "== database files: $(du -ch "$WORK"/ppid.db* | tail -1 | cut -f1)"
fi
ERRORS="$(grep -c -E ' (ERROR|WARN) ' "$WORK/server.log" || true)"
echo "== server log: $(wc -l <"$WORK/server.log") lines, $ERRORS at WARN or ERROR"
if [[ $ERRORS != 0 ]]; then grep -m5 -E ' (ERROR|WARN) ' "$WORK/server.log" >&2; fi

stop_server
echo "== server stopped"
exit "$LOADGEN_RC"
