#!/usr/bin/env bash
# Browser tests: a real `gongkai serve --demo` driven by Debian's Chromium through playwright-core.
#
#   bash e2e/run.sh [test files...]        (default: every e2e/tests/*.test.mjs)
#   E2E_TEST_PATTERN='foi-stats' bash e2e/run.sh e2e/tests/pages.test.mjs   (only tests whose names match)
#
# 1. Uses the built binary ${CARGO_TARGET_DIR:-target}/debug/gongkai, running
#    `cargo build -p gongkai` first only when it is missing or older than the sources
#    (GONGKAI_BIN=path uses that binary as it is).
# 2. Starts `gongkai serve --demo` on a free 127.0.0.1 port with a fresh data directory and keeps
#    its stdout (the demo accounts' one-time passwords) in that directory.
# 3. Waits for /healthz, runs `npm ci` when e2e/node_modules is missing or stale, then
#    `node --test` on the test files.
# 4. Stops the server on exit; exits non-zero when a test fails.
#
# Needs: node >= 20 and npm, /usr/bin/chromium (Debian package `chromium`; CI installs it; no
# browser is ever downloaded) and, for readable screenshots, a CJK font (fonts-noto-cjk).
# Screenshots and reports land in e2e/artifacts/ (see e2e/README.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
E2E="$ROOT/e2e"

log() { printf '[e2e] %s\n' "$*"; }
die() {
    printf '[e2e] ERROR: %s\n' "$*" >&2
    exit 1
}

export GONGKAI_E2E_CHROMIUM="${GONGKAI_E2E_CHROMIUM:-/usr/bin/chromium}"
[[ -x "$GONGKAI_E2E_CHROMIUM" ]] ||
    die "$GONGKAI_E2E_CHROMIUM not found: install Debian's Chromium (apt-get install chromium); browsers are never downloaded"
command -v node >/dev/null 2>&1 || die "node not found (Node.js >= 20 is needed)"
command -v npm >/dev/null 2>&1 || die "npm not found"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" -ge 20 ]] || die "Node.js $(node --version) is too old: playwright-core needs >= 20"
if command -v fc-list >/dev/null 2>&1 && [[ -z "$(fc-list :lang=zh family 2>/dev/null)" ]]; then
    log "warning: no CJK font installed (e.g. fonts-noto-cjk): screenshots will show boxes instead of Chinese text"
fi

# ---------------------------------------------------------------------------
# The server binary
# ---------------------------------------------------------------------------
if [[ -n "${GONGKAI_BIN:-}" ]]; then
    BIN="$GONGKAI_BIN"
else
    TARGET_DIR="${CARGO_TARGET_DIR:-target}"
    [[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
    BIN="$TARGET_DIR/debug/gongkai"
    # Build when missing, or when a source (templates and CSS are compiled in) is newer.
    if [[ ! -x "$BIN" ]] || [[ -n "$(find crates Cargo.toml Cargo.lock -newer "$BIN" -type f -print -quit 2>/dev/null)" ]]; then
        log "cargo build -p gongkai"
        cargo build -p gongkai
    fi
fi
[[ -x "$BIN" ]] || die "server binary $BIN not found"

# ---------------------------------------------------------------------------
# Node packages (playwright-core, axe-core; no install scripts, no browser download)
# ---------------------------------------------------------------------------
if [[ ! -f "$E2E/node_modules/.package-lock.json" || "$E2E/package-lock.json" -nt "$E2E/node_modules/.package-lock.json" ]]; then
    log "npm ci"
    (cd "$E2E" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund)
fi

# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/gongkai-e2e.XXXXXX")"
SERVER_PID=""
cleanup() {
    local rc=$?
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

ARTIFACTS="${GONGKAI_E2E_ARTIFACTS:-$E2E/artifacts}"
rm -rf "$ARTIFACTS/screenshots" "$ARTIFACTS/print"
mkdir -p "$ARTIFACTS/screenshots"

CLOCK_START="${GONGKAI_E2E_CLOCK_START:-2026-11-27T10:00:00+08:00}"
BASE_URL=""
for attempt in 1 2 3; do
    PORT="$(free_port)"
    DATA="$WORK/data-$attempt"
    mkdir -p "$DATA"
    log "starting $BIN serve --demo --listen 127.0.0.1:$PORT --data $DATA"
    # stdout holds the demo passwords: it stays in $WORK (deleted on exit), stderr (the log) is kept.
    # The tests submit many applications from one address: lift the per-address limit.
    # The server's clock starts on a fixed day so that no check depends on the day it runs; the
    # tests shift their own clock (TOTP codes) by the same amount.
    GONGKAI_E2E_CLOCK_OFFSET_MS="$(node -p "Date.parse('$CLOCK_START') - Date.now()")"
    export GONGKAI_E2E_CLOCK_OFFSET_MS
    GONGKAI_SERVER__CLOCK_START="$CLOCK_START" \
        GONGKAI_FOI__RATE_LIMIT=10000 "$BIN" serve --demo --listen "127.0.0.1:$PORT" --data "$DATA" \
        >"$WORK/server.stdout" 2>"$ARTIFACTS/server.log" &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            break
        fi
        if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' \
            "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
            BASE_URL="http://127.0.0.1:$PORT"
            break
        fi
        sleep 0.2
    done
    [[ -n "$BASE_URL" ]] && break
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        tail -n 30 "$ARTIFACTS/server.log" >&2 || true
        die "the server did not answer /healthz within 60 s"
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    log "the server exited at start (attempt $attempt):"
    tail -n 10 "$ARTIFACTS/server.log" >&2 || true
done
[[ -n "$BASE_URL" ]] || die "could not start the server"
grep -q '^demo-editor ' "$WORK/server.stdout" || die "the demo accounts' passwords were not printed on stdout"
log "server up at $BASE_URL"

# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------
export GONGKAI_E2E_BASE_URL="$BASE_URL"
export GONGKAI_E2E_SERVER_STDOUT="$WORK/server.stdout"
export GONGKAI_E2E_ARTIFACTS="$ARTIFACTS"
export GONGKAI_E2E_STATE_DIR="$WORK"

if [[ $# -gt 0 ]]; then
    TESTS=("$@")
else
    TESTS=("$E2E"/tests/*.test.mjs)
fi
START=$SECONDS
rc=0
# One file at a time: each launches its own Chromium, and the machine has 2 cores.
# E2E_TEST_PATTERN (a regular expression) runs only the tests whose names match, e.g. one page's checks.
PATTERN=()
[[ -n "${E2E_TEST_PATTERN:-}" ]] && PATTERN=(--test-name-pattern="$E2E_TEST_PATTERN")
node --test --test-concurrency=1 --test-reporter=spec "${PATTERN[@]}" "${TESTS[@]}" || rc=$?
log "browser tests took $((SECONDS - START))s; screenshots in ${ARTIFACTS#"$ROOT/"}/screenshots/"
[[ $rc -eq 0 ]] || die "browser tests failed (exit $rc)"
log "browser tests passed"
