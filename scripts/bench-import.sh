#!/usr/bin/env bash
# Times `ppid import register` on a register of N requests (default 100,000):
# `ppid generate` fills a source database (one Pemda, 24 OPDs, a year), `ppid
# export register` writes its register with personal data, and the register is
# imported into a database holding only that Pemda (made by `ppid generate
# --requests 1` for the year before); then a second import of the same file
# (idempotence: nothing added) and the round trip check (export again, compare).
# Usage:
#   scripts/bench-import.sh [N]                                  # SQLite
#   scripts/bench-import.sh [N] postgres://postgres@127.0.0.1:5432   # PostgreSQL
set -euo pipefail
N=${1:-100000}
PG=${2:-}
BIN=${PPID_BIN:-target/release/ppid}
OUT=${OUT_DIR:-/tmp/bench-import}
export PPID_LOG=warn
mkdir -p "$OUT"
if [ -n "$PG" ]; then
  for db in ppid_bench_import_src ppid_bench_import_dst; do
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  done
  SRC="$PG/ppid_bench_import_src"
  DST="$PG/ppid_bench_import_dst"
else
  rm -f "$OUT"/src.db* "$OUT"/dst.db*
  SRC="$OUT/src.db"
  DST="$OUT/dst.db"
fi
"$BIN" generate --database-url "$SRC" --requests "$N" --pemdas 1 --opds-per-pemda 24 --year 2025
"$BIN" export register --database-url "$SRC" --agency pemda-01 --include-personal-data \
  --output "$OUT/register.csv"
"$BIN" generate --database-url "$DST" --requests 1 --pemdas 1 --opds-per-pemda 0 --year 2024
for run in "import" "again (idempotent)"; do
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BIN" import register --database-url "$DST" --agency pemda-01 "$OUT/register.csv"
  read -r secs rss < "$OUT/time.txt"
  echo "$run: $secs s, $rss KB peak RSS, $(python3 -c "print(round($N / $secs))") rows/s"
done
"$BIN" export register --database-url "$DST" --agency pemda-01 --include-personal-data \
  --from 2025-01-01 --output "$OUT/again.csv"
cmp "$OUT/register.csv" "$OUT/again.csv" && echo "round trip: the same register"
