#!/usr/bin/env bash
# Counts the instructions the server spends on a SubmitRequest, under
# valgrind's callgrind. Unlike seconds, the count repeats from run to run on a
# busy or drifting machine (within ~0.1% for the runtime's threads), so a
# change of a few percent in the server's own CPU shows. It counts user-space
# instructions only: system calls, the disk and waiting are not in it.
#
#   scripts/bench-callgrind.sh [--no-build] [--duration 15s]
#
# Starts `ppid serve` under callgrind on a fresh SQLite database, drives it
# with `loadgen --scenario submit` (64 clients; ~300 submissions a second
# under valgrind), stops it, and prints instructions per submission for the
# runtime's worker threads (decoding, handlers, encoding: what a change to
# the API layer moves), the intake writer (whose groups are larger than
# without valgrind) and the whole server. BENCH_BIN_DIR (default
# target/release) is where the binaries are, as for bench-intake.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/server-port.sh
source scripts/lib/server-port.sh

BUILD=1
DURATION=15s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; shift ;;
    --duration) DURATION="${2:?--duration needs a value}"; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "bench-callgrind.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "bench-callgrind.sh: valgrind is not installed" >&2; exit 2; }
if [[ $BUILD == 1 ]]; then cargo build --release --bins; fi
BIN_DIR="${BENCH_BIN_DIR:-target/release}"

WORK="$(mktemp -d -t ppid-callgrind.XXXXXX)"
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PPID_LOG=info valgrind --tool=callgrind --separate-threads=yes \
  --callgrind-out-file="$WORK/cg.%p" "$BIN_DIR/ppid" serve --listen 127.0.0.1:0 \
  --database-url "$WORK/ppid.db" --log-format text 2>"$WORK/server.log" &
SERVER_PID=$!
PORT="$(server_port "$WORK/server.log" "$SERVER_PID" 600)" || exit 1

"$BIN_DIR/loadgen" --target "http://127.0.0.1:$PORT" --scenario submit \
  --duration "$DURATION" --warmup 1s --call-timeout 60s | grep -E '^submit ' || true
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""

SUBMITTED="$(grep -c 'request submitted' "$WORK/server.log" || true)"
[[ $SUBMITTED -gt 0 ]] || { echo "no submissions were logged" >&2; exit 1; }
# One file per thread; a thread is known by the functions it ran.
total() { awk '/^totals:/ { print $2; exit }' "$1"; }
RUNTIME=0 WRITER=0 ALL=0
for f in "$WORK"/cg.*-*; do
  n="$(total "$f")"
  ALL=$((ALL + n))
  if grep -q 'multi_thread::worker::Context::run' "$f"; then
    RUNTIME=$((RUNTIME + n))
  elif grep -q 'store::sqlite::writer::commit' "$f"; then
    WRITER=$((WRITER + n))
  fi
done
echo "submissions: $SUBMITTED"
echo "instructions a submission: runtime workers $((RUNTIME / SUBMITTED)), intake writer $((WRITER / SUBMITTED)), whole server $((ALL / SUBMITTED))"
