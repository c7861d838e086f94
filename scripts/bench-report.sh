#!/usr/bin/env bash
# Times the reporting jobs on a generated database (ppid generate):
# the annual report of one Pemda with its 24 OPDs (5 runs), then the export of
# every request to a file as CSV, JSON Lines and the register, each with its
# wall time, rate and peak RSS (GNU time); then the same export as the
# ExportRequests gRPC stream from `ppid serve` to `bench_export`, with the
# server's peak RSS. Usage:
#   scripts/bench-report.sh DATABASE_URL [PEMDA] [YEAR]
set -euo pipefail
# shellcheck source=lib/server-port.sh
source "$(dirname "$0")/lib/server-port.sh"
DB=${1:?database url}
PEMDA=${2:-pemda-01}
YEAR=${3:-2025}
BIN=${PPID_BIN:-target/release/ppid}
OUT=${OUT_DIR:-/tmp/bench}
export PPID_LOG=warn

echo "annual report of $PEMDA $YEAR (json and html), seconds and peak RSS KB:"
for i in 1 2 3 4 5; do
  /usr/bin/time -f "  json %e s  %M KB" "$BIN" report annual --database-url "$DB" \
    --agency "$PEMDA" --year "$YEAR" --format json --output "$OUT/report.json"
done
/usr/bin/time -f "  html %e s  %M KB" "$BIN" report annual --database-url "$DB" \
  --agency "$PEMDA" --year "$YEAR" --format html --output "$OUT/report.html"

for kind in "requests --format csv" "requests --format jsonl" "register"; do
  file="$OUT/export-${kind// /_}.out"
  # A fresh file: truncating the last run's output (up to 1.2 GB in the page
  # cache) would be timed as part of this one.
  rm -f "$file"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$BIN" export $kind --database-url "$DB" --output "$file"
  read -r secs rss < "$OUT/time.txt"
  rows=$(python3 -c "import sys; print(sum(1 for _ in open(sys.argv[1], 'rb')))" "$file")
  echo "export $kind: $secs s, $rss KB peak RSS, $(du -h "$file" | cut -f1), ~$rows lines," \
    "$(python3 -c "print(round(1_000_000 / $secs))") requests/s (1,000,000 requests)"
done

# The gRPC stream: a server on a free loopback port, a client reading to the end.
CLIENT=${PPID_BENCH_EXPORT:-target/release/bench_export}
PPID_LOG=info "$BIN" serve --listen 127.0.0.1:0 --database-url "$DB" --log-format text 2>"$OUT/serve.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
PORT="$(server_port "$OUT/serve.log" "$SERVER" 300)" || exit 1
timeout 600 "$CLIENT" --target "http://127.0.0.1:$PORT"
echo "  server peak RSS: $(grep VmHWM "/proc/$SERVER/status" | awk '{print $2, $3}')"
kill -TERM "$SERVER"
wait "$SERVER" 2>/dev/null || true
