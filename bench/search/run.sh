#!/usr/bin/env bash
# Search benchmark: gongkai vs SQLite FTS5 (trigram) vs PostgreSQL (pg_trgm), same data, same
# queries, same run; HTTP latency and throughput; import + index throughput, index size, peak RSS.
#
#   bash bench/search/run.sh [DOCS]      # DOCS = 0 (the shared corpus as shipped) or e.g. 100000
#   BENCH_BIN_DIR=target/release BENCH_PG=0 bash bench/search/run.sh 100000
#
# Needs: a release build (done here), /usr/bin/time, PostgreSQL at $BENCH_PG_URL (default
# postgres://postgres@127.0.0.1:5432/gongkai_bench; created if missing; BENCH_PG=0 skips it).
# BENCH_BUDGET_S (default 600): each engine's timed quality pass stops after this many seconds; the
# queries run in round-robin order over the kinds and the report says how many ran (`queries_run`).
# Results: bench/search/results/<docs>/ (JSON + the commands' output). BENCHMARKS.md quotes them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
DOCS="${1:-0}"
CORPUS="${BENCH_CORPUS:-$ROOT/../shared/corpus/laws.jsonl.zst}"
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/gongkai_bench}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/bench/search/results/$([ "$DOCS" = 0 ] && echo corpus || echo "$DOCS")"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

# BENCH_BIN_DIR: use release binaries built earlier (same commit) instead of building here.
if [ -n "${BENCH_BIN_DIR:-}" ]; then
  BIN="$BENCH_BIN_DIR/gongkai"; BENCH="$BENCH_BIN_DIR/gongkai-bench"
else
  cargo build --release -p gongkai -p gongkai-bench
  BIN="$CARGO_TARGET_DIR/release/gongkai"; BENCH="$CARGO_TARGET_DIR/release/gongkai-bench"
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(nproc) cores)"
  echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "rustc: $(rustc --version)"
  echo "sqlite (bundled by sqlx): 3.51; postgresql: $(psql --version 2>/dev/null || echo n/a)"
} > "$OUT/machine.txt"

"$BENCH" gen --corpus "$CORPUS" --docs "$DOCS" --out "$WORK/docs.jsonl" | tee "$OUT/gen.txt"
"$BENCH" queries --corpus "$CORPUS" --collection "$WORK/docs.jsonl" --per-kind 200 --out "$OUT/queries.tsv"
BODY_MB=$(python3 -c "
import json,sys
n=0
for l in open('$WORK/docs.jsonl', encoding='utf-8'):
    d=json.loads(l); n+=len((d.get('body') or '').encode())
print(round(n/1e6,1))")
echo "body text: $BODY_MB MB" | tee -a "$OUT/gen.txt"

DATA="$WORK/data"
"$BIN" --data "$DATA" org add --code demo --name 示范省人民政府 --kind province > /dev/null
# Import (database, change log) and index rebuild, each timed with peak RSS.
/usr/bin/time -v "$BIN" --data "$DATA" import documents "$WORK/docs.jsonl" > "$OUT/import.txt" 2> "$OUT/import.time"
/usr/bin/time -v "$BIN" --data "$DATA" reindex > "$OUT/reindex.txt" 2> "$OUT/reindex.time"
du -sb "$DATA/search" | cut -f1 > "$OUT/index_bytes.txt"
du -sb "$DATA/gongkai.db" | cut -f1 > "$OUT/db_bytes.txt"

# HTTP: the real server, one node, on the same two cores as the load generator.
PORT=$((20000 + RANDOM % 20000))
"$BIN" --data "$DATA" serve --listen "127.0.0.1:$PORT" --no-background-tasks > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q ' lag=0 ' && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/readyz" > "$OUT/readyz.txt"
"$BENCH" http --addr "127.0.0.1:$PORT" --queries "$OUT/queries.tsv" --seconds 10 --out "$OUT/http.json" | tee "$OUT/http.txt"
kill "$SERVER"; wait "$SERVER" || true

# Engines side by side (the server is stopped: the benchmark opens the index itself).
PG_ARGS=()
if [ "${BENCH_PG:-1}" != 0 ]; then
  psql "${PG_URL%/*}/postgres" -qc "CREATE DATABASE ${PG_URL##*/}" 2>/dev/null || true
  PG_ARGS=(--pg "$PG_URL")
fi
"$BENCH" engines --data "$DATA" --docs "$WORK/docs.jsonl" --queries "$OUT/queries.tsv" "${PG_ARGS[@]}" \
  --budget-s "${BENCH_BUDGET_S:-600}" --out "$OUT/engines.json" | tee "$OUT/engines.txt"
echo "results in $OUT"
